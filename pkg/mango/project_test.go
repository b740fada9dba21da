package mango

import (
	"encoding/json"
	"testing"
)

func TestProject(t *testing.T) {
	doc := map[string]any{
		"_id": "x", "_rev": "1-a", "name": "n",
		"meta": map[string]any{"date": "2020", "size": 3.0},
		"tags": []any{"a", "b"},
	}
	tests := []struct {
		fields []string
		want   string
	}{
		{nil, `{"_id":"x","_rev":"1-a","meta":{"date":"2020","size":3},"name":"n","tags":["a","b"]}`},
		{[]string{"_id", "name"}, `{"_id":"x","name":"n"}`},
		{[]string{"meta.date"}, `{"meta":{"date":"2020"}}`},
		{[]string{"meta.date", "meta.size", "missing"}, `{"meta":{"date":"2020","size":3}}`},
		{[]string{"meta", "meta.date"}, `{"meta":{"date":"2020","size":3}}`},
		{[]string{"meta", "meta.extra"}, `{"meta":{"date":"2020","size":3}}`},
		{[]string{"tags.0", "name.x", "a..b"}, `{}`},
	}
	for _, tt := range tests {
		before, _ := json.Marshal(doc)
		b, err := json.Marshal(Project(doc, tt.fields))
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tt.want {
			t.Errorf("Project(%v) = %s, want %s", tt.fields, b, tt.want)
		}
		if after, _ := json.Marshal(doc); string(after) != string(before) {
			t.Errorf("Project(%v) modified the document", tt.fields)
		}
	}
}
