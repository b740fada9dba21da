package mail_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/mail"
	"github.com/cozypi/cozy/pkg/mail/mailtest"
)

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

var owner = mail.Address{Name: "Alice", Email: "alice@example.org"}

func TestSendOverSMTP(t *testing.T) {
	tests := []struct {
		name       string
		user, pass string
		cfg        func(config.Mail) config.Mail
		msg        mail.Message
		from       string
		to         []string
		header     string
	}{
		{"noreply", "", "", nil,
			mail.Message{Mode: mail.ModeNoReply, Owner: owner, Subject: "New file", Parts: []mail.Part{{Type: "text/plain", Body: "a new file"}}},
			"noreply@cozy.test", []string{"alice@example.org"}, "From: \"My Cozy\" <noreply@cozy.test>"},
		{"from, authenticated", "smtpuser", "smtppass", nil,
			mail.Message{Mode: mail.ModeFrom, Owner: owner, To: []mail.Address{{Name: "Bob", Email: "bob@example.org"}}, Subject: "Hey",
				Parts: []mail.Part{{Type: "text/html", Body: "<h1>Hey</h1>"}, {Type: "text/plain", Body: "Hey"}}},
			"noreply@cozy.test", []string{"bob@example.org"}, "Reply-To: \"Alice\" <alice@example.org>"},
		{"default noreply address", "", "", func(c config.Mail) config.Mail { c.NoReplyAddress = ""; return c },
			mail.Message{Mode: mail.ModeNoReply, Owner: owner, Domain: "alice.cozy.test:8080", Parts: []mail.Part{{Type: "text/plain", Body: "x"}}},
			"noreply@alice.cozy.test", []string{"alice@example.org"}, "Message-ID: <"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mailtest.Start(t, tt.user, tt.pass)
			cfg := srv.Config()
			if tt.cfg != nil {
				cfg = tt.cfg(cfg)
			}
			if err := mail.Send(ctx(t), cfg, tt.msg); err != nil {
				t.Fatal(err)
			}
			got, err := srv.Wait(ctx(t), 1)
			if err != nil {
				t.Fatal(err)
			}
			if got.From != tt.from || strings.Join(got.To, ",") != strings.Join(tt.to, ",") || got.User != tt.user {
				t.Fatalf("envelope %q -> %q (user %q)", got.From, got.To, got.User)
			}
			if !strings.Contains(string(got.Data), tt.header) {
				t.Fatalf("no %q in:\n%s", tt.header, got.Data)
			}
		})
	}
}

func TestSendFailures(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := closed.Addr().(*net.TCPAddr).Port
	closed.Close()
	text := []mail.Part{{Type: "text/plain", Body: "x"}}
	msg := mail.Message{Mode: mail.ModeNoReply, Owner: owner, Parts: text}
	tests := []struct {
		name  string
		setup func(t *testing.T) config.Mail
		msg   mail.Message
		want  error
	}{
		{"STARTTLS required", func(t *testing.T) config.Mail {
			c := mailtest.Start(t, "", "").Config()
			c.DisableTLS = false
			return c
		}, msg, mail.ErrNoTLS},
		{"wrong password", func(t *testing.T) config.Mail {
			c := mailtest.Start(t, "u", "p").Config()
			c.Password = "nope"
			return c
		}, msg, nil},
		{"no server", func(*testing.T) config.Mail {
			return config.Mail{Host: "127.0.0.1", Port: port, DisableTLS: true, NoReplyAddress: "n@cozy.test"}
		}, msg, nil},
		{"invalid message", func(t *testing.T) config.Mail { return mailtest.Start(t, "", "").Config() },
			mail.Message{Mode: mail.ModeNoReply, Parts: text}, mail.ErrInvalid},
		{"no noreply address nor domain", func(t *testing.T) config.Mail {
			c := mailtest.Start(t, "", "").Config()
			c.NoReplyAddress = ""
			return c
		}, msg, mail.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := mail.Send(ctx(t), tt.setup(t), tt.msg)
			if err == nil {
				t.Fatal("sent")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestSendCanceled(t *testing.T) {
	// A server that accepts connections and never answers.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	c, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	cfg := config.Mail{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, DisableTLS: true, NoReplyAddress: "n@cozy.test"}
	if err := mail.Send(c, cfg, mail.Message{Mode: mail.ModeNoReply, Owner: owner, Parts: []mail.Part{{Type: "text/plain", Body: "x"}}}); err == nil {
		t.Fatal("sent to a silent server")
	}
}
