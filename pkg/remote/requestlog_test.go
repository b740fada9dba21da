package remote

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

func TestRequestLogJSONShape(t *testing.T) {
	rec := RequestLog{
		Doctype: "org.wikidata.entity", Verb: "GET", URL: "https://www.wikidata.org/wiki/Special:EntityData/Q42.json",
		ResponseCode: 200, ContentType: "application/json", Variables: map[string]string{"entity": "Q42", "comment": "c"},
		App: "drive", CreatedAt: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
	}
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"doctype":"org.wikidata.entity","verb":"GET","url":"https://www.wikidata.org/wiki/Special:EntityData/Q42.json",` +
		`"response_code":200,"content_type":"application/json","variables":{"comment":"c","entity":"Q42"},` +
		`"app":"drive","created_at":"2026-03-01T12:00:00Z"}`
	if string(b) != want {
		t.Errorf("JSON = %s\nwant   %s", b, want)
	}
}

func TestLoggerFunc(t *testing.T) {
	var got RequestLog
	var l Logger = LoggerFunc(func(_ context.Context, r RequestLog) error { got = r; return nil })
	if err := l.Log(context.Background(), RequestLog{Doctype: "x"}); err != nil || got.Doctype != "x" {
		t.Errorf("LoggerFunc: %v, %+v", err, got)
	}
}
