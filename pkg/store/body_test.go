package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
)

func TestParseBody(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		fields  string
		id, rev string
		deleted bool
		code    string // expected error code, "" for success
	}{
		{name: "plain", in: `{"a": 1, "b": [1.50, {"c": null}]}`, fields: `{"a":1,"b":[1.50,{"c":null}]}`},
		{name: "big numbers exact", in: `{"n":12345678901234567890123,"f":1e400}`, fields: `{"n":12345678901234567890123,"f":1e400}`},
		{name: "specials", in: `{"_id":"a/b?c#d%","_rev":"1-x","_deleted":true,"x":"y","_conflicts":[]}`, fields: `{"x":"y"}`, id: "a/b?c#d%", rev: "1-x", deleted: true},
		{name: "attachments kept", in: `{"_attachments":{"f":{"data":"aGk="}}}`, fields: `{"_attachments":{"f":{"data":"aGk="}}}`},
		{name: "empty", in: `{}`, fields: `{}`},
		{name: "unicode key order kept", in: `{"z":1,"é":2,"a":3}`, fields: `{"z":1,"é":2,"a":3}`},
		{name: "reserved member", in: `{"_type":"x"}`, code: "doc_validation"},
		{name: "not an object", in: `[1]`, code: "bad_request"},
		{name: "string", in: `"x"`, code: "bad_request"},
		{name: "malformed", in: `{"a":}`, code: "bad_request"},
		{name: "truncated", in: `{"a":1`, code: "bad_request"},
		{name: "trailing", in: `{"a":1} {}`, code: "bad_request"},
		{name: "duplicate", in: `{"a":1,"a":2}`, code: "bad_request"},
		{name: "bad id type", in: `{"_id":1}`, code: "illegal_docid"},
		{name: "replication members kept", in: `{"_replication_state":"completed","_replication_id":"r"}`, fields: `{"_replication_state":"completed","_replication_id":"r"}`},
		{name: "bad id", in: `{"_id":"_foo"}`, code: "illegal_docid"},
		{name: "NUL in id", in: `{"_id":"a\u0000b"}`, code: "illegal_docid"},
		{name: "bad deleted", in: `{"_deleted":"yes"}`, code: "doc_validation"},
		{name: "empty", in: ``, code: "bad_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParseBody([]byte(tt.in))
			if tt.code != "" {
				if !errors.Is(err, ErrBadRequest) || AsError(err).Code != tt.code {
					t.Fatalf("err = %v, want code %s", err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(p.Fields) != tt.fields || p.ID != tt.id || p.Rev != tt.rev || p.Deleted != tt.deleted {
				t.Errorf("got %+v fields %s", p, p.Fields)
			}
		})
	}
}

// A malformed _revisions is reported apart: an error for documents, but
// ignored for _local ones (PouchDB sends {"start":0} with them).
func TestParseBodyBadRevisions(t *testing.T) {
	p, err := ParseBody([]byte(`{"_revisions":{"start":1,"ids":["a","b"]}}`))
	if err != nil || p.Revisions != nil || AsError(p.RevisionsErr).Code != "bad_request" {
		t.Fatalf("%+v %v", p, err)
	}
}

func TestParseBodyRevisions(t *testing.T) {
	p, err := ParseBody([]byte(`{"_rev":"3-c","_revisions":{"start":3,"ids":["c","b","a"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Revisions == nil || p.Revisions.Start != 3 || len(p.Revisions.IDs) != 3 {
		t.Errorf("revisions = %+v", p.Revisions)
	}
}

func TestRenderDoc(t *testing.T) {
	got := RenderDoc("x\"y", "1-a", []byte(`{"a":1}`), Meta{Deleted: true, Conflicts: []string{"1-b"}})
	want := `{"_id":"x\"y","_rev":"1-a","a":1,"_deleted":true,"_conflicts":["1-b"]}`
	if string(got) != want {
		t.Errorf("got %s", got)
	}
	if got := RenderDoc("x", "", []byte(`{}`), Meta{}); string(got) != `{"_id":"x"}` {
		t.Errorf("got %s", got)
	}
	for _, id := range []string{"plain-id_1", "a<b", "é", "tab\t", "q\"", "back\\", "\u2028", "\x7f", ""} {
		var b bytes.Buffer
		writeJSON(&b, id)
		if want, _ := json.Marshal(id); b.String() != string(want) {
			t.Errorf("writeJSON(%q) = %s, want %s", id, b.String(), want)
		}
	}
	m, err := DecodeDoc([]byte(`{"n":12345678901234567890}`))
	if err != nil || m["n"].(interface{ String() string }).String() != "12345678901234567890" {
		t.Errorf("DecodeDoc = %v %v", m, err)
	}
}

func TestCheckIDAndDoctype(t *testing.T) {
	for id, ok := range map[string]bool{
		"abc": true, "a/b%c?d#e": true, "_design/x": true, "_local/x": true, "é": true,
		"": false, "_design/": false, "_foo": false, "\xff": false,
		"a\x00b": false, "\x00": false, "a\nb": false, "a\x7fb": false, "_local/\x00": false, "_design/a\tb": false,
	} {
		if err := CheckID(id); (err == nil) != ok {
			t.Errorf("CheckID(%q) = %v", id, err)
		}
	}
	for dt, ok := range map[string]bool{
		"io.cozy.files": true, "a": true, "io-cozy_x2": true,
		"": false, "io/cozy": false, "1abc": false, "_users": false,
	} {
		if err := CheckDoctype(dt); (err == nil) != ok {
			t.Errorf("CheckDoctype(%q) = %v", dt, err)
		}
	}
}

// FuzzParseBody: the one-pass parser gives what encoding/json's tokens
// give, for any body, valid or not.
func FuzzParseBody(f *testing.F) {
	for _, seed := range []string{
		`{}`, ` { "a" : 1 , "b":[1, {"c":"d"}], "_id":"x", "_rev":"1-a" } `, `{"a":1,"a":2}`,
		`{"_type":"t","k\u00e9":"v","<x>":"&"}`, `{"_deleted":true,"_revisions":{"start":2,"ids":["b","a"]}}`,
		`{"_attachments":{"f":{"data":"aGk="}},"_replication_state":"x","_conflicts":[]}`,
		`{"a":"\"}\\","b":{"c":["]","}"]}}`, `[1]`, `{"a":1`, `{"_bad":1}`, `{"_id":1}`, "{\"a\":\"\u2028\"}",
		`{"1":1,"2":2,"3":3,"4":4,"5":5,"6":6,"7":7,"8":8,"9":9,"10":10,"11":11,"12":12,"13":13,"14":14,"15":15,"16":16,"17":17,"3":0}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, drop := range []string{"", "_type"} {
			got, gerr := parseBody(raw, drop)
			want, werr := parseBodyTokens(raw, drop)
			if fmt.Sprint(gerr) != fmt.Sprint(werr) {
				t.Fatalf("%q drop %q: error %v, want %v", raw, drop, gerr, werr)
			}
			if gerr != nil {
				continue
			}
			if !bytes.Equal(got.Fields, want.Fields) || got.ID != want.ID || got.Rev != want.Rev || got.Deleted != want.Deleted ||
				!reflect.DeepEqual(got.Revisions, want.Revisions) || fmt.Sprint(got.RevisionsErr) != fmt.Sprint(want.RevisionsErr) ||
				!slices.Equal(got.Specials, want.Specials) {
				t.Fatalf("%q drop %q:\n got %+v\nwant %+v", raw, drop, got, want)
			}
		}
	})
}
