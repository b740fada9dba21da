package data

import (
	"errors"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/store"
)

func TestWithTypeAndReadDoc(t *testing.T) {
	for in, want := range map[string]string{
		`{}`:            `{"_type":"io.cozy.t"}`,
		`{"a":1}`:       `{"_type":"io.cozy.t","a":1}`,
		`[1]`:           `[1]`,
		`{ "a" : [1] }`: `{"_type":"io.cozy.t", "a" : [1] }`,
	} {
		if got := string(withType([]byte(in), "io.cozy.t")); got != want {
			t.Errorf("withType(%s) = %s, want %s", in, got, want)
		}
	}
	for in, want := range map[string]string{
		`{"_type":"x","a":1}`: `{"a":1}`,
		`{"a":{"_type":1}}`:   `{"a":{"_type":1}}`,
		`{}`:                  `{}`,
	} {
		got, doc, err := readDoc([]byte(in), "id1")
		if err != nil || string(got.Fields) != want || doc.DocID() != "id1" {
			t.Errorf("readDoc(%s) = %s, %v, want %s", in, got.Fields, err, want)
		}
	}
	for _, in := range []string{`[1]`, `{"a":}`, `{"a":1} {}`, `{"a":1`, ``} {
		if _, _, err := readDoc([]byte(in), "id1"); !errors.Is(err, store.ErrBadRequest) {
			t.Errorf("readDoc(%s) = %v, want a bad request", in, err)
		}
	}
}

// TestLazyDoc: the fields of a document are decoded for a selector only.
func TestLazyDoc(t *testing.T) {
	_, doc, err := readDoc([]byte(`{"_type":"t","calendar":"c1","tags":["x","y"],"n":{"m":"v"}}`), "ev1")
	if err != nil {
		t.Fatal(err)
	}
	if doc.m != nil {
		t.Fatal("decoded before any field was asked")
	}
	for field, want := range map[string]string{"calendar": "c1", "tags": "x,y", "n.m": "v", "_id": "ev1", "_type": "", "missing": ""} {
		if got := strings.Join(doc.FieldValues(field), ","); got != want {
			t.Errorf("FieldValues(%s) = %q, want %q", field, got, want)
		}
	}
}
