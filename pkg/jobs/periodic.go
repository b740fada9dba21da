package jobs

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
)

// Periodic trigger kinds: the stack picks the minute (and hour, day) within
// the allowed window, derived from the trigger id so that it is stable
// across restarts, and the trigger then behaves as a @cron.
const (
	TypeHourly  = "@hourly"
	TypeDaily   = "@daily"
	TypeWeekly  = "@weekly"
	TypeMonthly = "@monthly"
)

var dayNames = map[string]int{
	"sun": 0, "sunday": 0, "mon": 1, "monday": 1, "tue": 2, "tuesday": 2, "wed": 3, "wednesday": 3,
	"thu": 4, "thursday": 4, "fri": 5, "friday": 5, "sat": 6, "saturday": 6,
}

// periodicSpec turns the arguments of a periodic trigger into a six-field
// cron spec. seed picks the values within the allowed ranges.
func periodicSpec(kind, args string, seed uint64) (string, error) {
	words := strings.Fields(strings.ToLower(args))
	var days []int          // weekly: allowed days of week
	var dom []int           // monthly: allowed days of month
	loHour, hiHour := 0, 24 // allowed hours [lo, hi)
	for i := 0; i < len(words); i++ {
		switch w := words[i]; {
		case w == "on" && kind == TypeWeekly && i+1 < len(words):
			i++
			d, err := parseDays(words[i])
			if err != nil {
				return "", err
			}
			days = d
		case w == "on" && kind == TypeMonthly && i+2 < len(words) && words[i+1] == "the":
			i += 2
			d, err := parseDayRange(words[i])
			if err != nil {
				return "", err
			}
			dom = d
		case w == "before" && kind != TypeHourly && i+1 < len(words):
			i++
			h, err := parseHour(words[i])
			if err != nil {
				return "", err
			}
			hiHour = h
		case w == "after" && kind != TypeHourly && i+1 < len(words):
			i++
			h, err := parseHour(words[i])
			if err != nil {
				return "", err
			}
			loHour = h
		case w == "between" && kind != TypeHourly && i+3 < len(words) && words[i+2] == "and":
			lo, err := parseHour(words[i+1])
			if err != nil {
				return "", err
			}
			hi, err := parseHour(words[i+3])
			if err != nil {
				return "", err
			}
			loHour, hiHour = lo, hi
			i += 3
		default:
			return "", fmt.Errorf("unexpected %q in %s arguments %q", w, kind, args)
		}
	}
	if hiHour == 0 {
		hiHour = 24 // "before 12am": until midnight
	}
	if loHour >= hiHour {
		return "", fmt.Errorf("empty hour window in %q", args)
	}
	pick := func(n int) int { r := int(seed % uint64(n)); seed /= uint64(n); return r }
	sec, min := pick(60), pick(60)
	hour := loHour + pick(hiHour-loHour)
	switch kind {
	case TypeHourly:
		return fmt.Sprintf("%d %d * * * *", sec, min), nil
	case TypeDaily:
		return fmt.Sprintf("%d %d %d * * *", sec, min, hour), nil
	case TypeWeekly:
		if days == nil {
			days = []int{0, 1, 2, 3, 4, 5, 6}
		}
		return fmt.Sprintf("%d %d %d * * %d", sec, min, hour, days[pick(len(days))]), nil
	default: // monthly
		if dom == nil {
			dom = []int{}
			for d := 1; d <= 28; d++ {
				dom = append(dom, d)
			}
		}
		return fmt.Sprintf("%d %d %d %d * *", sec, min, hour, dom[pick(len(dom))]), nil
	}
}

// seedOf derives the picking seed from a trigger id.
func seedOf(id string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	return h.Sum64()
}

// parseHour reads "5am", "10pm", "12am" (0), "12pm" (12) or "17" / "17h".
func parseHour(s string) (int, error) {
	suffix := ""
	for _, suf := range []string{"am", "pm", "h"} {
		if strings.HasSuffix(s, suf) {
			suffix, s = suf, strings.TrimSuffix(s, suf)
			break
		}
	}
	h, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("invalid hour %q", s+suffix)
	}
	switch suffix {
	case "am", "pm":
		if h < 1 || h > 12 {
			return 0, fmt.Errorf("invalid hour %q", s+suffix)
		}
		h %= 12
		if suffix == "pm" {
			h += 12
		}
	default:
		if h < 0 || h > 24 {
			return 0, fmt.Errorf("invalid hour %q", s+suffix)
		}
	}
	return h, nil
}

// parseDays reads "monday", "mon,wed,fri", "wed-fri", "weekday", "weekend".
func parseDays(s string) ([]int, error) {
	switch s {
	case "weekday":
		return []int{1, 2, 3, 4, 5}, nil
	case "weekend":
		return []int{0, 6}, nil
	}
	var out []int
	for _, part := range strings.Split(s, ",") {
		from, to, isRange := strings.Cut(part, "-")
		a, ok := dayNames[from]
		if !ok {
			return nil, fmt.Errorf("invalid day %q", from)
		}
		if !isRange {
			out = append(out, a)
			continue
		}
		b, ok := dayNames[to]
		if !ok || b < a {
			return nil, fmt.Errorf("invalid day range %q", part)
		}
		for d := a; d <= b; d++ {
			out = append(out, d)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// parseDayRange reads "1" or "1-5" (days of month).
func parseDayRange(s string) ([]int, error) {
	from, to, isRange := strings.Cut(s, "-")
	a, err := strconv.Atoi(from)
	b := a
	if err == nil && isRange {
		b, err = strconv.Atoi(to)
	}
	if err != nil || a < 1 || b > 31 || b < a {
		return nil, fmt.Errorf("invalid day of month %q", s)
	}
	var out []int
	for d := a; d <= b; d++ {
		out = append(out, d)
	}
	return out, nil
}
