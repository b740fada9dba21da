package revtree

import (
	"errors"
	"testing"
)

func TestParseRev(t *testing.T) {
	tests := []struct {
		in      string
		want    Rev
		wantErr bool
	}{
		{"1-abc", Rev{1, "abc"}, false},
		{"12-0123456789abcdef0123456789abcdef", Rev{12, "0123456789abcdef0123456789abcdef"}, false},
		{"3-3595405", Rev{3, "3595405"}, false},
		{"", Rev{}, true},
		{"abc", Rev{}, true},
		{"0-abc", Rev{}, true},
		{"01-abc", Rev{}, true},
		{"-1-abc", Rev{}, true},
		{"+1-abc", Rev{}, true},
		{"1-", Rev{}, true},
		{"1-ab-c", Rev{}, true},
		{"1-ab c", Rev{}, true},
		{"1234567890-abc", Rev{}, true},
		{"1-" + string(make([]byte, 65)), Rev{}, true},
	}
	for _, tt := range tests {
		got, err := ParseRev(tt.in)
		if tt.wantErr {
			if !errors.Is(err, ErrInvalidRev) {
				t.Errorf("ParseRev(%q) err = %v, want ErrInvalidRev", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseRev(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if got.String() != tt.in {
			t.Errorf("String() = %q, want %q", got.String(), tt.in)
		}
	}
}

func TestNewRevHash(t *testing.T) {
	a := NewRevHash(false, Rev{}, []byte(`{"a":1}`))
	if len(a) != 32 {
		t.Fatalf("hash %q is not 32 hex", a)
	}
	if a != NewRevHash(false, Rev{}, []byte(`{"a":1}`)) {
		t.Error("hash is not deterministic")
	}
	for name, other := range map[string]string{
		"deleted": NewRevHash(true, Rev{}, []byte(`{"a":1}`)),
		"parent":  NewRevHash(false, Rev{1, "x"}, []byte(`{"a":1}`)),
		"body":    NewRevHash(false, Rev{}, []byte(`{"a":2}`)),
	} {
		if other == a {
			t.Errorf("changing %s did not change the hash", name)
		}
	}
}

func FuzzParseRev(f *testing.F) {
	for _, s := range []string{"1-abc", "0-x", "999999999-f", "1--", "2-ABCdef09", "-", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRev(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidRev) {
				t.Fatalf("error %v does not wrap ErrInvalidRev", err)
			}
			return
		}
		if r.Pos < 1 || r.String() != s {
			t.Fatalf("ParseRev(%q) = %v does not round-trip", s, r)
		}
	})
}
