package bolt

import (
	"encoding/json"
	"testing"

	"github.com/cozypi/cozy/pkg/store"
)

func TestWinnerChangeDecodesOnce(t *testing.T) {
	ch := &winnerChange{id: "a",
		old: &store.Doc{ID: "a", Deleted: true, Body: json.RawMessage(`{"_id":"a","_deleted":true}`)},
		new: &store.Doc{ID: "a", Body: json.RawMessage(`{"_id":"a","n":1}`)}}
	oldM, newM, err := ch.maps()
	if err != nil || oldM != nil || newM["n"] == nil {
		t.Fatalf("maps: %v %v %v", oldM, newM, err)
	}
	newM["marker"] = true // the second call must hand back the same decoded map
	if _, again, _ := ch.maps(); again["marker"] != true {
		t.Fatal("decoded twice")
	}
	bad := &winnerChange{id: "b", new: &store.Doc{ID: "b", Body: json.RawMessage(`{`)}}
	if _, _, err := bad.maps(); err == nil {
		t.Fatal("malformed body accepted")
	}
}
