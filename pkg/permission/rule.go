package permission

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrInvalidRule is wrapped by every error about a malformed rule or scope.
var ErrInvalidRule = errors.New("invalid permission")

// Rule is one permission: a doctype (or doctype wildcard), the verbs it
// allows, and optionally the documents it is restricted to.
type Rule struct {
	// Title is the rule's key in a manifest's permissions map, kept so that
	// a set renders back with the names an app gave its rules.
	Title       string   `json:"-"`
	Description string   `json:"description,omitempty"`
	Type        string   `json:"type"`
	Verbs       VerbSet  `json:"verbs,omitempty"`
	Values      []string `json:"values,omitempty"`
	Selector    string   `json:"selector,omitempty"`
}

// Validate checks the doctype, wildcard and selector of the rule.
func (r Rule) Validate() error {
	if r.Type == "" {
		return fmt.Errorf("%w: a rule needs a type", ErrInvalidRule)
	}
	base, wildcard := strings.CutSuffix(r.Type, ".*")
	if err := ValidateDoctype(base); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidRule, err)
	}
	if wildcard && strings.Count(base, ".") < 2 {
		return fmt.Errorf("%w: wildcard %q needs a doctype with at least three parts", ErrInvalidRule, r.Type)
	}
	if r.Selector != "" && len(r.Values) == 0 {
		return fmt.Errorf("%w: selector %q without values", ErrInvalidRule, r.Selector)
	}
	for _, v := range r.Values {
		if v == "" {
			return fmt.Errorf("%w: empty value in rule for %s", ErrInvalidRule, r.Type)
		}
	}
	return nil
}

// MatchesType reports whether the rule's type covers doctype, directly or
// through a wildcard: "io.cozy.bank.*" covers "io.cozy.bank" and
// "io.cozy.bank.accounts".
func (r Rule) MatchesType(doctype string) bool {
	if base, ok := strings.CutSuffix(r.Type, ".*"); ok {
		return doctype == base || strings.HasPrefix(doctype, base+".")
	}
	return r.Type == doctype
}

// IsWhole reports whether the rule covers every document of its type.
func (r Rule) IsWhole() bool { return len(r.Values) == 0 }

// String renders the rule in the inline scope form type:VERBS:values:selector,
// leaving out trailing parts that are defaults.
func (r Rule) String() string {
	out := r.Type
	if r.Verbs.normal() == ALL && len(r.Values) == 0 {
		return out
	}
	out += ":" + r.Verbs.String()
	if len(r.Values) > 0 {
		out += ":" + strings.Join(r.Values, ",")
		if r.Selector != "" {
			out += ":" + r.Selector
		}
	}
	return out
}

// ParseRule reads one rule in the inline form type[:VERBS[:values[:selector]]].
func ParseRule(s string) (Rule, error) {
	parts := strings.SplitN(s, ":", 4)
	r := Rule{Type: parts[0]}
	if len(parts) > 1 {
		verbs, err := ParseVerbSet(parts[1])
		if err != nil {
			return Rule{}, err
		}
		r.Verbs = verbs
	}
	if len(parts) > 2 {
		r.Values = strings.Split(parts[2], ",")
	}
	if len(parts) > 3 {
		r.Selector = parts[3]
		if r.Selector == "" {
			return Rule{}, fmt.Errorf("%w: empty selector in %q", ErrInvalidRule, s)
		}
	}
	if err := r.Validate(); err != nil {
		return Rule{}, err
	}
	return r, nil
}

// Set is an ordered list of rules; a request is allowed when one rule allows it.
type Set []Rule

// ParseScope reads a space-separated scope string, as carried by OAuth2 and
// by tokens. The empty scope is an error: a permission must allow something.
func ParseScope(scope string) (Set, error) {
	fields := strings.Fields(scope)
	if len(fields) == 0 {
		return nil, fmt.Errorf("%w: empty scope", ErrInvalidRule)
	}
	set := make(Set, 0, len(fields))
	for _, f := range fields {
		r, err := ParseRule(f)
		if err != nil {
			return nil, err
		}
		set = append(set, r)
	}
	return set, nil
}

// String renders the set as a scope string.
func (s Set) String() string {
	parts := make([]string, len(s))
	for i, r := range s {
		parts[i] = r.String()
	}
	return strings.Join(parts, " ")
}

// MarshalJSON renders the set as upstream's map of named rules.
func (s Set) MarshalJSON() ([]byte, error) {
	m := make(map[string]Rule, len(s))
	for i, r := range s {
		key := r.Title
		if key == "" {
			key = fmt.Sprintf("rule%d", i)
		}
		m[key] = r
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads a map of named rules (as in manifests and permission
// documents) or a plain list of rules, and validates every rule.
func (s *Set) UnmarshalJSON(data []byte) error {
	var named map[string]Rule
	if err := json.Unmarshal(data, &named); err == nil {
		keys := make([]string, 0, len(named))
		for k := range named {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		set := make(Set, 0, len(named))
		for _, k := range keys {
			r := named[k]
			r.Title = k
			if err := r.Validate(); err != nil {
				return fmt.Errorf("permission %q: %w", k, err)
			}
			set = append(set, r)
		}
		*s = set
		return nil
	}
	var list []Rule
	if err := json.Unmarshal(data, &list); err != nil {
		return fmt.Errorf("%w: permissions must be a map or a list of rules", ErrInvalidRule)
	}
	for i, r := range list {
		if err := r.Validate(); err != nil {
			return fmt.Errorf("permission %d: %w", i, err)
		}
	}
	*s = list
	return nil
}
