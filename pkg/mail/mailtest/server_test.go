package mailtest

import (
	"context"
	"net/smtp"
	"strings"
	"testing"
	"time"
)

func TestServerReceives(t *testing.T) {
	s := Start(t, "", "")
	if err := smtp.SendMail(s.Addr(), nil, "a@example.org", []string{"b@example.org"}, []byte("Subject: hi\r\n\r\nbody\r\n")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := s.Wait(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if m.From != "a@example.org" || len(m.To) != 1 || m.To[0] != "b@example.org" || !strings.Contains(string(m.Data), "body") {
		t.Fatalf("got %+v", m)
	}
	if len(s.Messages()) != 1 {
		t.Fatal("Messages does not list the message")
	}
}

func TestServerRequiresAuth(t *testing.T) {
	s := Start(t, "u", "p")
	if err := smtp.SendMail(s.Addr(), nil, "a@example.org", []string{"b@example.org"}, []byte("x\r\n")); err == nil {
		t.Fatal("a message without authentication was accepted")
	}
	if err := smtp.SendMail(s.Addr(), smtp.PlainAuth("", "u", "p", "127.0.0.1"), "a@example.org", []string{"b@example.org"}, []byte("x\r\n")); err != nil {
		t.Fatal(err)
	}
	if m := s.Messages(); len(m) != 1 || m[0].User != "u" {
		t.Fatalf("got %+v", m)
	}
}
