package remote

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestParamsFromQuery(t *testing.T) {
	q, err := url.ParseQuery("q=Douglas+Adams&q=second&comment=x&empty=")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"q": "Douglas Adams", "comment": "x", "empty": ""}
	if got := ParamsFromQuery(q); !reflect.DeepEqual(got, want) {
		t.Errorf("ParamsFromQuery = %v, want %v", got, want)
	}
}

func TestParamsFromJSON(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]string
		err  bool
	}{
		{"object", `{"query": "Qbhtynf Nqnzf", "comment": "rot13"}`, map[string]string{"query": "Qbhtynf Nqnzf", "comment": "rot13"}, false},
		{"empty body", ``, map[string]string{}, false},
		{"null", `null`, map[string]string{}, false},
		{"number value", `{"a": 1}`, nil, true},
		{"object value", `{"a": {"b": "c"}}`, nil, true},
		{"array", `["a"]`, nil, true},
		{"trailing data", `{"a": "b"} {"c": "d"}`, nil, true},
		{"not JSON", `a=b`, nil, true},
		{"too large", `{"a": "` + strings.Repeat("x", MaxParamsSize) + `"}`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParamsFromJSON(strings.NewReader(tt.in))
			if tt.err {
				if !errors.Is(err, ErrInvalidVariable) {
					t.Fatalf("error = %v, want ErrInvalidVariable", err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParamsFromJSON = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}
