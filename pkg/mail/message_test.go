package mail

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"
)

var owner = Address{Name: "Alice Martin", Email: "alice@example.org"}
var noReply = Address{Name: "My Cozy", Email: "noreply@alice.cozy.test"}

func TestBuildRefuses(t *testing.T) {
	text := []Part{{Type: "text/plain", Body: "hi"}}
	tests := []struct {
		name string
		msg  Message
	}{
		{"unknown mode", Message{Mode: "campaign", Owner: owner, Parts: text}},
		{"noreply without owner email", Message{Mode: ModeNoReply, Parts: text}},
		{"from without recipients", Message{Mode: ModeFrom, Owner: owner, Parts: text}},
		{"from without owner", Message{Mode: ModeFrom, To: []Address{{Email: "b@example.org"}}, Parts: text}},
		{"bad recipient", Message{Mode: ModeFrom, Owner: owner, To: []Address{{Email: "b@example.org>\r\nBcc: x@evil"}}, Parts: text}},
		{"name over lines", Message{Mode: ModeFrom, Owner: owner, To: []Address{{Name: "B\r\nBcc: x@evil", Email: "b@example.org"}}, Parts: text}},
		{"subject over lines", Message{Mode: ModeNoReply, Owner: owner, Subject: "a\r\nBcc: x@evil", Parts: text}},
		{"no part", Message{Mode: ModeNoReply, Owner: owner}},
		{"bad part type", Message{Mode: ModeNoReply, Owner: owner, Parts: []Part{{Type: "image/png", Body: "x"}}}},
		{"attachment not base64", Message{Mode: ModeNoReply, Owner: owner, Parts: text, Attachments: []Attachment{{Filename: "a.txt", Content: "!!"}}}},
		{"attachment without name", Message{Mode: ModeNoReply, Owner: owner, Parts: text, Attachments: []Attachment{{Content: "eA=="}}}},
		{"too large", Message{Mode: ModeNoReply, Owner: owner, Parts: []Part{{Type: "text/plain", Body: strings.Repeat("x", maxSize+1)}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := build(tt.msg, noReply, time.Now()); !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestBuildModes(t *testing.T) {
	tests := []struct {
		name            string
		msg             Message
		from, to, reply string
		envFrom         string
		envTo           []string
	}{
		{"noreply", Message{Mode: ModeNoReply, Owner: owner, To: []Address{{Email: "ignored@example.org"}}},
			`"My Cozy" <noreply@alice.cozy.test>`, `"Alice Martin" <alice@example.org>`, "",
			"noreply@alice.cozy.test", []string{"alice@example.org"}},
		{"from", Message{Mode: ModeFrom, Owner: owner, To: []Address{{Name: "Bob", Email: "bob@example.org"}, {Email: "carol@example.org"}}},
			`"Alice Martin" <noreply@alice.cozy.test>`, `"Bob" <bob@example.org>, <carol@example.org>`, `"Alice Martin" <alice@example.org>`,
			"noreply@alice.cozy.test", []string{"bob@example.org", "carol@example.org"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.msg.Subject = "Héllo"
			tt.msg.Parts = []Part{{Type: "text/plain", Body: "hi"}}
			env, data, err := build(tt.msg, noReply, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			m, err := mail.ReadMessage(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Header.Get("From"); got != tt.from {
				t.Errorf("From %q, want %q", got, tt.from)
			}
			if got := m.Header.Get("To"); got != tt.to {
				t.Errorf("To %q, want %q", got, tt.to)
			}
			if got := m.Header.Get("Reply-To"); got != tt.reply {
				t.Errorf("Reply-To %q, want %q", got, tt.reply)
			}
			if subj, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); subj != "Héllo" {
				t.Errorf("Subject %q", subj)
			}
			if env.from != tt.envFrom || strings.Join(env.to, ",") != strings.Join(tt.envTo, ",") {
				t.Errorf("envelope %+v", env)
			}
		})
	}
}

// parts decodes a message into its leaf parts: content type -> body.
func parts(t *testing.T, data []byte) map[string]string {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	var walk func(ctype string, header func(string) string, r io.Reader)
	walk = func(ctype string, header func(string) string, r io.Reader) {
		mt, params, err := mime.ParseMediaType(ctype)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(r, params["boundary"])
			for {
				p, err := mr.NextPart() // decodes quoted-printable
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				walk(p.Header.Get("Content-Type"), p.Header.Get, p)
			}
		}
		body, _ := io.ReadAll(r)
		if header("Content-Transfer-Encoding") == "quoted-printable" { // top-level part
			body, _ = io.ReadAll(quotedReader(body))
		}
		out[mt] = string(body)
	}
	walk(m.Header.Get("Content-Type"), m.Header.Get, m.Body)
	return out
}

func TestBuildBodies(t *testing.T) {
	long := strings.Repeat("é", 100) + "\r\n= end" // line ends are CRLF in mail
	tests := []struct {
		name  string
		parts []Part
		atts  []Attachment
		top   string
		want  map[string]string
	}{
		{"one text part", []Part{{Type: "text/plain", Body: long}}, nil, "text/plain",
			map[string]string{"text/plain": long}},
		{"alternative", []Part{{Type: "text/html", Body: "<h1>Hey</h1>"}, {Type: "text/plain", Body: "Hey"}}, nil, "multipart/alternative",
			map[string]string{"text/plain": "Hey", "text/html": "<h1>Hey</h1>"}},
		{"attachment", []Part{{Type: "text/plain", Body: "see attached"}}, []Attachment{{Filename: "note.txt", Content: "aGVsbG8="}}, "multipart/mixed",
			map[string]string{"text/plain": "see attached"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, data, err := build(Message{Mode: ModeNoReply, Owner: owner, Parts: tt.parts, Attachments: tt.atts}, noReply, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			m, _ := mail.ReadMessage(bytes.NewReader(data))
			if mt, _, _ := mime.ParseMediaType(m.Header.Get("Content-Type")); mt != tt.top {
				t.Fatalf("top type %q, want %q", mt, tt.top)
			}
			if tt.atts != nil {
				if !strings.Contains(string(data), `attachment; filename=note.txt`) || !strings.Contains(string(data), "aGVsbG8=") {
					t.Fatalf("attachment missing:\n%s", data)
				}
				return
			}
			got := parts(t, data)
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s: %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func quotedReader(b []byte) io.Reader { return quotedprintableReader(bytes.NewReader(b)) }

func quotedprintableReader(r io.Reader) io.Reader { return quotedprintable.NewReader(r) }
