package permissions_test

import (
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/web/webtest"
)

// TestShareCodesBoundToTheirShare: two shares made in the same second with
// the same code name get different codes; each code opens only its own
// share's document; once the first share has expired its code is refused
// and never opens the second share instead (a code used to be the same
// token for both, and the lookup returned whichever share came first).
func TestShareCodesBoundToTheirShare(t *testing.T) {
	e := webtest.NewEnv(t, nil, instance.Options{})
	owner := e.Token(t, "io.cozy.notes")
	for _, id := range []string{"note1", "note2"} {
		if res, body := e.Do(t, nil, "PUT", "/data/io.cozy.notes/"+id, owner, `{"title":"`+id+`"}`, nil); res.StatusCode != 200 {
			t.Fatalf("put %s: %d %s", id, res.StatusCode, body)
		}
	}
	rule := func(id string) string {
		return `{"data":{"attributes":{"permissions":{"n":{"type":"io.cozy.notes","verbs":["GET"],"values":["` + id + `"]}}}}}`
	}
	// Both shares within one second, so that tokens made of the code name
	// and the second alone would be equal.
	var first, second share
	for try := 0; ; try++ {
		if try == 20 {
			t.Fatal("could not make two shares within one second")
		}
		before := time.Now().Unix()
		first = createShare(t, e, owner, "?codes=bob", rule("note1"))
		second = createShare(t, e, owner, "?codes=bob", rule("note2"))
		if time.Now().Unix() == before {
			break
		}
	}
	code1, code2 := first.Data.Attributes.Codes["bob"], second.Data.Attributes.Codes["bob"]
	if code1 == "" || code1 == code2 {
		t.Fatalf("same code for two shares: %q", code1)
	}
	e.Run(t, []webtest.Scenario{
		{Name: "first code reads its note", Method: "GET", URL: "/data/io.cozy.notes/note1", Token: code1, ExpectedStatus: 200,
			ExpectedContent: []string{`"title":"note1"`}},
		{Name: "first code names its share", Method: "GET", URL: "/permissions/self", Token: code1, ExpectedStatus: 200,
			ExpectedContent: []string{`"id":"` + first.Data.ID + `"`}},
		{Name: "first code does not read the second note", Method: "GET", URL: "/data/io.cozy.notes/note2", Token: code1, ExpectedStatus: 403},
		{Name: "second code reads its note", Method: "GET", URL: "/data/io.cozy.notes/note2", Token: code2, ExpectedStatus: 200,
			ExpectedContent: []string{`"title":"note2"`}},
		{Name: "second code does not read the first note", Method: "GET", URL: "/data/io.cozy.notes/note1", Token: code2, ExpectedStatus: 403},
		{Name: "first share expires", Method: "PATCH", URL: "/permissions/" + first.Data.ID, Token: owner,
			Body: `{"data":{"attributes":{"expires_at":"2001-01-01T00:00:00Z"}}}`, ExpectedStatus: 200},
		{Name: "expired code is refused", Method: "GET", URL: "/data/io.cozy.notes/note2", Token: code1, ExpectedStatus: 400,
			NotExpectedContent: []string{"note2"}},
		{Name: "expired code opens no share", Method: "GET", URL: "/permissions/self", Token: code1, ExpectedStatus: 400,
			NotExpectedContent: []string{second.Data.ID}},
		{Name: "second code still works", Method: "GET", URL: "/data/io.cozy.notes/note2", Token: code2, ExpectedStatus: 200},
		{Name: "first share deleted", Method: "DELETE", URL: "/permissions/" + first.Data.ID, Token: owner, ExpectedStatus: 204},
		{Name: "deleted share's code opens nothing", Method: "GET", URL: "/data/io.cozy.notes/note2", Token: code1, ExpectedStatus: 401},
	})
}
