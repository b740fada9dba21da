package data

import (
	"errors"
	"testing"

	"github.com/cozypi/cozy/pkg/store"
)

func TestWithTypeAndStripType(t *testing.T) {
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
		if got, err := stripType([]byte(in)); err != nil || string(got) != want {
			t.Errorf("stripType(%s) = %s, %v, want %s", in, got, err, want)
		}
	}
	for _, in := range []string{`[1]`, `{"a":}`, `{"a":1} {}`, `{"a":1`, ``} {
		if _, err := stripType([]byte(in)); !errors.Is(err, store.ErrBadRequest) {
			t.Errorf("stripType(%s) = %v, want a bad request", in, err)
		}
	}
}
