package permission_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/cozypi/cozy/pkg/permission"
)

func TestParseScope(t *testing.T) {
	tests := []struct {
		in, out string
		err     bool
	}{
		{in: "io.cozy.contacts", out: "io.cozy.contacts"},
		{in: "io.cozy.contacts:ALL", out: "io.cozy.contacts"},
		{in: "io.cozy.contacts:get,post", out: "io.cozy.contacts:GET,POST"},
		{in: "io.cozy.files:GET:io.cozy.files.music-dir io.cozy.jobs:POST:sendmail:worker",
			out: "io.cozy.files:GET:io.cozy.files.music-dir io.cozy.jobs:POST:sendmail:worker"},
		{in: "io.cozy.bank.*:GET", out: "io.cozy.bank.*:GET"},
		{in: "io.cozy.contacts:HEAD", out: "io.cozy.contacts:GET"},
		{in: "", err: true},
		{in: "   ", err: true},
		{in: "io.cozy.*", err: true},
		{in: "io.*", err: true},
		{in: "IO.COZY.contacts", err: true},
		{in: "io.cozy.contacts:FETCH", err: true},
		{in: "io.cozy.contacts:GET::sel", err: true},
		{in: "io.cozy.contacts:GET:a,,b", err: true},
		{in: "io.cozy.contacts:GET:a:", err: true},
		{in: ":GET", err: true},
		{in: "io/cozy:GET", err: true},
	}
	for _, tt := range tests {
		set, err := permission.ParseScope(tt.in)
		if tt.err {
			if !errors.Is(err, permission.ErrInvalidRule) {
				t.Errorf("ParseScope(%q) = %v, %v; want ErrInvalidRule", tt.in, set, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseScope(%q): %v", tt.in, err)
			continue
		}
		if got := set.String(); got != tt.out {
			t.Errorf("ParseScope(%q).String() = %q, want %q", tt.in, got, tt.out)
		}
	}
}

func TestSetJSON(t *testing.T) {
	manifest := `{"contacts":{"description":"autocomplete","type":"io.cozy.contacts","verbs":["GET"]},
		"mail":{"type":"io.cozy.jobs","selector":"worker","values":["sendmail"]}}`
	var set permission.Set
	if err := json.Unmarshal([]byte(manifest), &set); err != nil {
		t.Fatal(err)
	}
	if got := set.String(); got != "io.cozy.contacts:GET io.cozy.jobs:ALL:sendmail:worker" {
		t.Fatalf("got %q", got)
	}
	out, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	var back permission.Set
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if back.String() != set.String() || back[0].Title != "contacts" {
		t.Fatalf("round trip: %s -> %s", out, back)
	}
	for _, bad := range []string{`{"x":{"verbs":["GET"]}}`, `{"x":{"type":"io.cozy.a","verbs":["NOPE"]}}`, `"str"`, `{"x":{"type":"io.*"}}`} {
		if err := json.Unmarshal([]byte(bad), &set); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	var list permission.Set
	if err := json.Unmarshal([]byte(`[{"type":"io.cozy.files","verbs":["GET","HEAD"]}]`), &list); err != nil || list.String() != "io.cozy.files:GET" {
		t.Fatalf("list form: %v %v", list, err)
	}
}

func FuzzParseScope(f *testing.F) {
	for _, s := range []string{"io.cozy.contacts", "io.cozy.files:GET:a,b:dir_id", "io.cozy.bank.*:ALL", "a:b:c:d:e", ":::", "io.cozy.x:GET,,POST"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		set, err := permission.ParseScope(s)
		if err != nil {
			return
		}
		// What parses renders to a scope that parses to the same thing.
		again, err := permission.ParseScope(set.String())
		if err != nil {
			t.Fatalf("re-parse of %q (from %q): %v", set.String(), s, err)
		}
		if again.String() != set.String() {
			t.Fatalf("unstable: %q -> %q -> %q", s, set.String(), again.String())
		}
		p := &permission.Permission{Rules: set}
		_ = p.Allow(permission.GET, "io.cozy.contacts")
		_ = p.AllowDoc(permission.PUT, "io.cozy.contacts", permission.MapDoc{"_id": s})
	})
}
