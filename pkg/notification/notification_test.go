package notification

import (
	"errors"
	"testing"
)

func TestValidate(t *testing.T) {
	cats := map[string]Category{
		"simple":  {DefaultPriority: "normal"},
		"balance": {Multiple: true, Stateful: true, DefaultPriority: "high"},
	}
	tests := []struct {
		name     string
		n        Notification
		ok       bool
		priority string
	}{
		{"simple", Notification{Category: "simple", Title: "t"}, true, "normal"},
		{"explicit priority", Notification{Category: "simple", Title: "t", Priority: "high"}, true, "high"},
		{"multiple stateful", Notification{Category: "balance", CategoryID: "bank", State: "-1", Title: "t", PreferredChannels: []string{"mobile", "mail"}}, true, "high"},
		{"no category", Notification{Title: "t"}, false, ""},
		{"undeclared category", Notification{Category: "other", Title: "t"}, false, ""},
		{"multiple without id", Notification{Category: "balance", State: "1", Title: "t"}, false, ""},
		{"id on a single category", Notification{Category: "simple", CategoryID: "x", Title: "t"}, false, ""},
		{"stateful without state", Notification{Category: "balance", CategoryID: "bank", Title: "t"}, false, ""},
		{"no title", Notification{Category: "simple"}, false, ""},
		{"bad priority", Notification{Category: "simple", Title: "t", Priority: "urgent"}, false, ""},
		{"bad channel", Notification{Category: "simple", Title: "t", PreferredChannels: []string{"pigeon"}}, false, ""},
		{"delayed", Notification{Category: "simple", Title: "t", At: "2030-01-01T00:00:00Z"}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(&tt.n, cats)
			if tt.ok != (err == nil) {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Fatalf("err %v is not ErrInvalid", err)
			}
			if tt.ok && tt.n.Priority != tt.priority {
				t.Fatalf("priority %q, want %q", tt.n.Priority, tt.priority)
			}
		})
	}
}

func TestSourceID(t *testing.T) {
	if got := sourceID("app", "bank", "account-balance", "my-bank"); got != "cozy/app/bank/account-balance/my-bank" {
		t.Fatal(got)
	}
	if got := sourceID("konnector", "k", "c", ""); got != "cozy/konnector/k/c" {
		t.Fatal(got)
	}
}
