package permstore

import (
	"fmt"
	"slices"

	"github.com/cozypi/cozy/pkg/permission"
)

// Covers reports whether every rule of child is granted by some rule of
// parent: a share or a patch may only hand out what its author holds. A
// parent rule covers a child rule when its doctype matches (wildcards
// included), its verbs include the child's, and it is either on the whole
// doctype or restricted by the same selector to a superset of the child's
// values. A child rule on the whole doctype is only covered by a whole rule.
func Covers(parent, child permission.Set) error {
	for _, r := range child {
		if !coveredBy(parent, r) {
			return fmt.Errorf("%w: %s is not a subset of the token's permissions", permission.ErrForbidden, r)
		}
	}
	return nil
}

func coveredBy(parent permission.Set, r permission.Rule) bool {
	for _, p := range parent {
		if !p.MatchesType(r.Type) && p.Type != r.Type {
			continue
		}
		if !p.Verbs.ContainsAll(r.Verbs) {
			continue
		}
		if p.IsWhole() {
			return true
		}
		if r.IsWhole() || selectorOf(p) != selectorOf(r) {
			continue
		}
		if containsAll(p.Values, r.Values) {
			return true
		}
	}
	return false
}

// selectorOf treats an empty selector and "_id" as the same.
func selectorOf(r permission.Rule) string {
	if r.Selector == "" {
		return "_id"
	}
	return r.Selector
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}
