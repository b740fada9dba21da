package jobs

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPeriodicSpec(t *testing.T) {
	tests := []struct {
		kind, args string
		field      int   // which cron field is constrained (2 hour, 3 dom, 5 dow)
		allowed    []int // allowed values of that field
	}{
		{TypeHourly, "", 2, nil},
		{TypeDaily, "before 5am", 2, []int{0, 1, 2, 3, 4}},
		{TypeDaily, "after 10pm", 2, []int{22, 23}},
		{TypeDaily, "between 8am and 6pm", 2, []int{8, 9, 10, 11, 12, 13, 14, 15, 16, 17}},
		{TypeDaily, "between 12pm and 2pm", 2, []int{12, 13}},
		{TypeWeekly, "on monday", 5, []int{1}},
		{TypeWeekly, "on mon,wed,fri", 5, []int{1, 3, 5}},
		{TypeWeekly, "on wed-fri", 5, []int{3, 4, 5}},
		{TypeWeekly, "on weekday", 5, []int{1, 2, 3, 4, 5}},
		{TypeWeekly, "on weekend", 5, []int{0, 6}},
		{TypeWeekly, "on monday before 9am", 2, []int{0, 1, 2, 3, 4, 5, 6, 7, 8}},
		{TypeMonthly, "on the 1", 3, []int{1}},
		{TypeMonthly, "on the 1-5", 3, []int{1, 2, 3, 4, 5}},
		{TypeMonthly, "", 3, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28}},
	}
	for _, tc := range tests {
		seen := map[int]bool{}
		for seed := range 200 {
			spec, err := periodicSpec(tc.kind, tc.args, seedOf(fmt.Sprint(seed)))
			if err != nil {
				t.Fatalf("%s %q: %v", tc.kind, tc.args, err)
			}
			if _, err := cronParser.Parse(spec); err != nil {
				t.Fatalf("%s %q gave %q: %v", tc.kind, tc.args, spec, err)
			}
			f := strings.Fields(spec)
			if tc.allowed == nil {
				if f[2] != "*" {
					t.Fatalf("%s gave %q", tc.kind, spec)
				}
				continue
			}
			var v int
			fmt.Sscan(f[tc.field], &v)
			if !slices.Contains(tc.allowed, v) {
				t.Fatalf("%s %q gave %q", tc.kind, tc.args, spec)
			}
			seen[v] = true
		}
		if tc.allowed != nil && len(seen) < min(len(tc.allowed), 2) {
			t.Errorf("%s %q: only %v picked over 200 seeds", tc.kind, tc.args, seen)
		}
	}
	if a, b := mustSpec(t, "x"), mustSpec(t, "x"); a != b {
		t.Fatalf("not stable: %q %q", a, b)
	}
	bad := []struct{ kind, args string }{
		{TypeDaily, "before noon"},
		{TypeDaily, "between 6pm and 8am"},
		{TypeDaily, "at 5am"},
		{TypeDaily, "before 13pm"},
		{TypeWeekly, "on funday"},
		{TypeWeekly, "on fri-mon"},
		{TypeMonthly, "on the 0"},
		{TypeMonthly, "on the 5-2"},
		{TypeHourly, "before 5am"},
	}
	for _, tc := range bad {
		if spec, err := periodicSpec(tc.kind, tc.args, 1); err == nil {
			t.Errorf("%s %q accepted as %q", tc.kind, tc.args, spec)
		}
	}
}

func mustSpec(t *testing.T, id string) string {
	t.Helper()
	s, err := periodicSpec(TypeDaily, "", seedOf(id))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDailyTriggerRunsOncePerDayInWindow(t *testing.T) {
	clock := NewManualClock(t0)
	b := startBroker(t, openStore(t, filepath.Join(t.TempDir(), "s.db")), Config{Workers: map[string]Worker{"log": LogWorker(nil)}, Clock: clock})
	tr := addTrigger(t, b, TypeDaily, "between 8am and 6pm")
	for day := 1; day <= 3; day++ {
		clock.Advance(24 * time.Hour)
		if n := countJobs(t, b, tr.ID); n != day {
			t.Fatalf("day %d: %d jobs", day, n)
		}
	}
	js, _ := b.Jobs(context.Background(), func(j *Job) bool { return j.TriggerID == tr.ID }, 0)
	for _, j := range js {
		if h := j.QueuedAt.Hour(); h < 8 || h >= 18 {
			t.Fatalf("job queued at %s", j.QueuedAt)
		}
	}
}
