package store

import (
	"errors"
	"testing"
)

func TestMemberAndSetMember(t *testing.T) {
	obj := []byte(`{"a":1,"_attachments":{"x":{"stub":true}},"b":"_attachments"}`)
	if got := string(Member(obj, "_attachments")); got != `{"x":{"stub":true}}` {
		t.Errorf("Member: %s", got)
	}
	if Member(obj, "zz") != nil || Member([]byte(`[1]`), "a") != nil {
		t.Error("Member of an absent key")
	}
	out, err := SetMember(obj, "_attachments", nil)
	if err != nil || string(out) != `{"a":1,"b":"_attachments"}` {
		t.Errorf("remove: %s %v", out, err)
	}
	out, err = SetMember(obj, "a", []byte(`2`))
	if err != nil || string(out) != `{"_attachments":{"x":{"stub":true}},"b":"_attachments","a":2}` {
		t.Errorf("replace: %s %v", out, err)
	}
	if _, err := SetMember([]byte(`{"a":`), "a", nil); !errors.Is(err, ErrBadRequest) {
		t.Errorf("malformed: %v", err)
	}
}

func TestStubsRoundTrip(t *testing.T) {
	atts := map[string]Attachment{
		"b": {ContentType: "text/plain", Revpos: 2, Digest: "md5-x", Length: 3},
		"a": {ContentType: "image/png", Revpos: 1, Digest: "md5-y", Length: 9},
	}
	raw := RenderStubs(atts)
	want := `{"a":{"content_type":"image/png","revpos":1,"digest":"md5-y","length":9,"stub":true},"b":{"content_type":"text/plain","revpos":2,"digest":"md5-x","length":3,"stub":true}}`
	if string(raw) != want {
		t.Fatalf("RenderStubs: %s", raw)
	}
	got, err := Stubs([]byte(`{"_id":"d","_attachments":` + string(raw) + `}`))
	if err != nil || len(got) != 2 || got["a"].Name != "a" || !got["b"].Stub || got["b"].Length != 3 {
		t.Fatalf("Stubs: %+v %v", got, err)
	}
	if got, err := Stubs([]byte(`{"x":1}`)); got != nil || err != nil {
		t.Errorf("no attachments: %v %v", got, err)
	}
	if _, err := Stubs([]byte(`{"_attachments":[1]}`)); !errors.Is(err, ErrBadRequest) {
		t.Errorf("malformed: %v", err)
	}
}

func TestCheckAttachmentName(t *testing.T) {
	for name, ok := range map[string]bool{"a.txt": true, "dir/é.png": true, "": false, "_x": false, "a\x00b": false, "\xff": false} {
		if err := CheckAttachmentName(name); (err == nil) != ok {
			t.Errorf("%q: %v", name, err)
		}
	}
	if MissingStub("f").Code != "missing_stub" || !errors.Is(MissingStub("f"), ErrExists) {
		t.Error("missing_stub is a 412")
	}
}
