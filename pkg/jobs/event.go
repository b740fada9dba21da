package jobs

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/cozypi/cozy/pkg/store"
)

// eventRule is one space-separated item of an @event trigger's arguments:
// doctype[:verbs[:values[:selector]]].
type eventRule struct {
	doctype  string
	verbs    []store.Verb // empty: all
	values   []string     // empty: all; ["!="]: the selected value changed
	selector string       // empty: values are document ids
}

func parseEventRules(args string) ([]eventRule, error) {
	fields := strings.Fields(args)
	if len(fields) == 0 {
		return nil, fmt.Errorf("no doctype")
	}
	rules := make([]eventRule, 0, len(fields))
	for _, f := range fields {
		parts := strings.SplitN(f, ":", 4)
		r := eventRule{doctype: parts[0]}
		if r.doctype == "" {
			return nil, fmt.Errorf("empty doctype in %q", f)
		}
		if len(parts) > 1 && parts[1] != "" {
			for _, v := range strings.Split(parts[1], ",") {
				switch vb := store.Verb(strings.ToUpper(v)); vb {
				case store.Created, store.Updated, store.Deleted:
					r.verbs = append(r.verbs, vb)
				default:
					return nil, fmt.Errorf("verb %q is not CREATED, UPDATED or DELETED", v)
				}
			}
		}
		if len(parts) > 2 && parts[2] != "" {
			r.values = strings.Split(parts[2], ",")
		}
		if len(parts) > 3 {
			r.selector = parts[3]
		}
		if slices.Contains(r.values, "!=") && (len(r.values) != 1 || r.selector == "") {
			return nil, fmt.Errorf("%q: != must be the only value and needs a selector", f)
		}
		rules = append(rules, r)
	}
	return rules, nil
}

// match reports whether ev fires the rule.
func (r eventRule) match(ev store.Event) bool {
	if ev.Doctype != r.doctype {
		return false
	}
	if len(r.verbs) > 0 && !slices.Contains(r.verbs, ev.Verb) {
		return false
	}
	if len(r.values) == 0 {
		return true
	}
	if r.selector == "" {
		return slices.Contains(r.values, ev.Doc.ID)
	}
	cur := selectValue(ev.Doc.Body, r.selector)
	if r.values[0] == "!=" {
		var old any
		if ev.OldDoc != nil {
			old = selectValue(ev.OldDoc.Body, r.selector)
		}
		return !reflect.DeepEqual(cur, old)
	}
	return slices.Contains(r.values, fmt.Sprint(cur)) && cur != nil
}

// selectValue reads a dotted path in a JSON object; nil when absent.
func selectValue(body json.RawMessage, path string) any {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	for _, p := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}
