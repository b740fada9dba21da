package mango

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/cozypi/cozy/pkg/collate"
)

func idx(ddoc string, fields ...string) IndexDef {
	ix := IndexDef{DDoc: "_design/" + ddoc, Name: ddoc}
	for _, f := range fields {
		ix.Fields = append(ix.Fields, SortField{Field: f})
	}
	return ix
}

func mustQuery(t *testing.T, s string) Query {
	t.Helper()
	q, err := ParseQuery(json.RawMessage(s))
	if err != nil {
		t.Fatalf("ParseQuery(%s): %v", s, err)
	}
	return q
}

func TestPlanIndexChoice(t *testing.T) {
	partial := idx("partial", "type")
	pf := mustSelector(t, `{"trashed": false}`)
	partial.PartialFilter = &pf
	indexes := []IndexDef{
		idx("by-type", "type"),
		idx("by-type-date", "type", "date"),
		idx("by-date", "date"),
		idx("by-cal-date", "calendar", "date"),
		idx("by-os-browser-ip", "os", "browser", "ip"),
		partial,
	}
	tests := []struct {
		name  string
		query string
		want  string // chosen index name, or "" for ErrNoUsableIndex
		desc  bool
	}{
		{"single field equality", `{"selector": {"type": "file"}}`, "by-type", false},
		{"fewer columns win on a tie", `{"selector": {"type": {"$gt": "a"}, "date": {"$exists": true}}}`, "by-type", false},
		{"longer covered prefix wins", `{"selector": {"type": "file", "date": {"$gt": "2020"}}}`, "by-type-date", false},
		{"fields in sort count as required", `{"selector": {}, "sort": ["date"]}`, "by-date", false},
		{"sort after constant columns", `{"selector": {"calendar": "perso"}, "sort": ["date"]}`, "by-cal-date", false},
		{"sort on full index", `{"selector": {"calendar": "perso", "date": {"$gt": "2016"}}, "sort": [{"calendar": "desc"}, {"date": "desc"}]}`, "by-cal-date", true},
		{"sort prefix skipping constants", `{"selector": {"os": "windows", "browser": {"$gt": null}, "ip": {"$exists": true}}, "sort": ["browser"]}`, "by-os-browser-ip", false},
		{"sort on non-constant column fails", `{"selector": {"calendar": {"$gt": "a"}}, "sort": ["date"]}`, "by-date", false},
		{"index needs every field", `{"selector": {"os": "windows"}}`, "", false},
		{"$exists false does not require", `{"selector": {"date": {"$exists": false}}}`, "", false},
		{"$or covering field in every branch", `{"selector": {"$or": [{"type": "a"}, {"type": "b"}]}}`, "by-type", false},
		{"$or not covering", `{"selector": {"$or": [{"type": "a"}, {"date": "b"}]}}`, "", false},
		{"$nor negated conditions still require", `{"selector": {"$nor": [{"type": "a"}]}}`, "by-type", false},
		{"no index for sort", `{"selector": {"type": "x"}, "sort": ["size"]}`, "", false},
		{"partial index only via use_index", `{"selector": {"type": "file"}, "use_index": "_design/partial"}`, "partial", false},
		{"use_index by ddoc without prefix", `{"selector": {"type": "file"}, "use_index": "by-type-date"}`, "", false},
		{"use_index ddoc/name", `{"selector": {"type": "file", "date": 1}, "use_index": "by-type-date/by-type-date"}`, "by-type-date", false},
		{"use_index array", `{"selector": {"type": "file", "date": 1}, "use_index": ["_design/by-type-date", "by-type-date"]}`, "by-type-date", false},
		{"use_index unknown", `{"selector": {"type": "file"}, "use_index": "nope"}`, "", false},
		{"empty selector without sort", `{"selector": {}}`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := Plan(mustQuery(t, tt.query), indexes)
			if tt.want == "" {
				if !errors.Is(err, ErrNoUsableIndex) {
					t.Fatalf("Plan = %s, %v; want ErrNoUsableIndex", plan.Index.Name, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if plan.Index.Name != tt.want || plan.Descending != tt.desc {
				t.Errorf("Plan chose %s desc=%v, want %s desc=%v", plan.Index.Name, plan.Descending, tt.want, tt.desc)
			}
		})
	}
}

// TestPlanUseIndexDDocWithSlash: cozy-client names the index of Drive's
// favourites "by_name_filter_(...)_$regex_^(?!/.cozy_trash)..." and asks
// it with use_index "_design/<that>"; CouchDB reads the rest after
// "_design/" as one design document id, slash included.
func TestPlanUseIndexDDocWithSlash(t *testing.T) {
	ddoc := "by_name_filter_(path_$regex_^(?!/.cozy_trash))"
	ixs := []IndexDef{idx("by-type", "type"), idx(ddoc, "name")}
	q, _ := json.Marshal(map[string]any{"selector": map[string]any{"name": map[string]any{"$gt": nil}}, "use_index": "_design/" + ddoc})
	plan, err := Plan(mustQuery(t, string(q)), ixs)
	if err != nil || plan.Index.DDoc != "_design/"+ddoc {
		t.Fatalf("use_index _design/%s: chose %q, %v", ddoc, plan.Index.DDoc, err)
	}
}

func enc(vals ...any) []byte {
	var b []byte
	for _, v := range vals {
		b = collate.EncodeKey(b, v)
	}
	return b
}

func TestPlanIDIndexServesAnything(t *testing.T) {
	// _id is in every document, so a json index on it serves any selector.
	ixs := []IndexDef{idx("by-type", "type"), idx("by-id", "_id")}
	for _, q := range []string{`{"selector": {}}`, `{"selector": {"x": 1}}`, `{"selector": {}, "sort": [{"_id": "desc"}]}`} {
		plan, err := Plan(mustQuery(t, q), ixs)
		if err != nil || plan.Index.Name != "by-id" {
			t.Errorf("%s: got %s, %v", q, plan.Index.Name, err)
		}
	}
}

func TestPlanKeyRange(t *testing.T) {
	indexes := []IndexDef{idx("cd", "calendar", "date")}
	tests := []struct {
		name       string
		selector   string
		start, end []byte
	}{
		{"equality then range", `{"calendar": "perso", "date": {"$gt": "2016", "$lt": "2017"}}`,
			collate.Successor(enc("perso", "2016")), enc("perso", "2017")},
		{"inclusive bounds", `{"calendar": "perso", "date": {"$gte": "2016", "$lte": "2017"}}`,
			enc("perso", "2016"), collate.Successor(enc("perso", "2017"))},
		{"equality on both", `{"calendar": "perso", "date": "2016"}`,
			enc("perso", "2016"), collate.Successor(enc("perso", "2016"))},
		{"equality on first only", `{"calendar": "perso", "date": {"$exists": true}}`,
			enc("perso"), collate.Successor(enc("perso"))},
		{"range on first", `{"calendar": {"$gte": "a"}, "date": {"$gt": 1}}`,
			enc("a"), nil},
		{"upper bound only", `{"calendar": {"$lt": "m"}, "date": {"$gt": 1}}`,
			[]byte{}, enc("m")},
		{"tightest of several bounds", `{"$and": [{"calendar": {"$gt": "a"}}, {"calendar": {"$gte": "b"}}, {"calendar": {"$lte": "x"}}, {"calendar": {"$lt": "x"}}], "date": 1}`,
			enc("b"), enc("x")},
		{"no range condition", `{"calendar": {"$ne": "a"}, "date": {"$regex": "x"}}`,
			[]byte{}, nil},
		{"conditions inside $or give no range", `{"$or": [{"calendar": "a"}, {"calendar": "b"}], "date": 1}`,
			[]byte{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := mustQuery(t, `{"selector": `+tt.selector+`}`)
			plan, err := Plan(q, indexes)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(plan.Start, tt.start) || !bytes.Equal(plan.End, tt.end) || (plan.End == nil) != (tt.end == nil) {
				t.Errorf("range [%x, %x), want [%x, %x)", plan.Start, plan.End, tt.start, tt.end)
			}
			if plan.InclusiveEnd {
				t.Error("InclusiveEnd should be false")
			}
		})
	}
}

func TestPlanEmptyRange(t *testing.T) {
	q := mustQuery(t, `{"selector": {"n": {"$gt": 5, "$lt": 3}}}`)
	plan, err := Plan(q, []IndexDef{idx("n", "n")})
	if err != nil {
		t.Fatal(err)
	}
	if !plan.Empty() {
		t.Errorf("contradictory bounds should give an empty range: [%x, %x)", plan.Start, plan.End)
	}
	q = mustQuery(t, `{"selector": {"n": {"$gte": 3, "$lt": 3}}}`)
	if plan, _ = Plan(q, []IndexDef{idx("n", "n")}); !plan.Empty() {
		t.Error("[3, 3) should be empty")
	}
	q = mustQuery(t, `{"selector": {"n": 3}}`)
	if plan, _ = Plan(q, []IndexDef{idx("n", "n")}); plan.Empty() || !plan.Contains(append(enc(3.0), "doc"...)) {
		t.Error("equality range should contain the value with any doc id suffix")
	}
}

func TestPlanIDUsesEqualityOnly(t *testing.T) {
	// _id conditions compare raw bytes, index keys use collation: only $eq
	// may narrow the range.
	plan, err := Plan(mustQuery(t, `{"selector": {"_id": {"$gt": "B"}}}`), []IndexDef{idx("id", "_id")})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Start) != 0 || plan.End != nil {
		t.Errorf("_id range should be unbounded, got [%x, %x)", plan.Start, plan.End)
	}
	plan, _ = Plan(mustQuery(t, `{"selector": {"_id": "abc"}}`), []IndexDef{idx("id", "_id")})
	if !bytes.Equal(plan.Start, enc("abc")) {
		t.Errorf("_id equality should bound the range")
	}
}

func TestPlanMixedSortRejected(t *testing.T) {
	q := Query{Sort: []SortField{{Field: "a"}, {Field: "b", Desc: true}}}
	if _, err := Plan(q, []IndexDef{idx("ab", "a", "b")}); !errors.Is(err, ErrBadQuery) {
		t.Errorf("mixed sort: %v", err)
	}
}
