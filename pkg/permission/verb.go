package permission

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Verb is an HTTP method that a rule may allow.
type Verb string

// The verbs a rule can carry.
const (
	GET    Verb = http.MethodGet
	POST   Verb = http.MethodPost
	PUT    Verb = http.MethodPut
	PATCH  Verb = http.MethodPatch
	DELETE Verb = http.MethodDelete
)

// AllVerbs lists every verb in the canonical order, the meaning of "ALL".
var allVerbs = [...]Verb{GET, POST, PUT, PATCH, DELETE}

// VerbSet is a set of verbs. The zero value is the empty set; a rule with an
// empty set allows every verb, as upstream's "ALL" default does.
type VerbSet uint8

func verbBit(v Verb) (VerbSet, bool) {
	switch v {
	case GET:
		return 1, true
	case POST:
		return 2, true
	case PUT:
		return 4, true
	case PATCH:
		return 8, true
	case DELETE:
		return 16, true
	}
	return 0, false
}

// ALL is the set of every verb.
const ALL VerbSet = 31

// Verbs builds a set from verbs.
func Verbs(vs ...Verb) VerbSet {
	var s VerbSet
	for _, v := range vs {
		b, _ := verbBit(v)
		s |= b
	}
	return s
}

// ParseVerb reads one verb, accepting any letter case. HEAD is read as GET,
// since GET implies it.
func ParseVerb(s string) (Verb, error) {
	v := Verb(strings.ToUpper(s))
	if v == http.MethodHead {
		return GET, nil
	}
	if _, ok := verbBit(v); !ok {
		return "", fmt.Errorf("%w: unknown verb %q", ErrInvalidRule, s)
	}
	return v, nil
}

// Contains reports whether v is in the set. The empty set contains every
// verb; HEAD counts as GET.
func (s VerbSet) Contains(v Verb) bool {
	if s == 0 || s == ALL {
		return true
	}
	if v == http.MethodHead {
		v = GET
	}
	b, ok := verbBit(v)
	return ok && s&b != 0
}

// ContainsAll reports whether every verb of o is in s.
func (s VerbSet) ContainsAll(o VerbSet) bool {
	return s.normal()&o.normal() == o.normal()
}

func (s VerbSet) normal() VerbSet {
	if s == 0 {
		return ALL
	}
	return s
}

// List returns the verbs of the set, or ["ALL"] for every verb.
func (s VerbSet) List() []string {
	if s.normal() == ALL {
		return []string{"ALL"}
	}
	out := make([]string, 0, 5)
	for _, v := range allVerbs {
		if b, _ := verbBit(v); s&b != 0 {
			out = append(out, string(v))
		}
	}
	return out
}

// String renders the set as in a scope string: "ALL" or "GET,POST".
func (s VerbSet) String() string { return strings.Join(s.List(), ",") }

// ParseVerbSet reads a comma-separated list of verbs, or "ALL".
func ParseVerbSet(s string) (VerbSet, error) {
	var set VerbSet
	for _, part := range strings.Split(s, ",") {
		if strings.EqualFold(part, "ALL") {
			return ALL, nil
		}
		v, err := ParseVerb(part)
		if err != nil {
			return 0, err
		}
		b, _ := verbBit(v)
		set |= b
	}
	return set, nil
}

// MarshalJSON renders the set as a list such as ["GET","POST"] or ["ALL"].
func (s VerbSet) MarshalJSON() ([]byte, error) { return json.Marshal(s.List()) }

// UnmarshalJSON reads a list of verbs; "ALL" may appear in it.
func (s *VerbSet) UnmarshalJSON(data []byte) error {
	var list []string
	if err := json.Unmarshal(data, &list); err != nil {
		return fmt.Errorf("%w: verbs must be a list of strings", ErrInvalidRule)
	}
	var set VerbSet
	for _, item := range list {
		if strings.EqualFold(item, "ALL") {
			set = ALL
			continue
		}
		v, err := ParseVerb(item)
		if err != nil {
			return err
		}
		b, _ := verbBit(v)
		set |= b
	}
	*s = set
	return nil
}
