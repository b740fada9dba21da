// Package mailtest runs a real SMTP server (github.com/emersion/go-smtp) on
// 127.0.0.1 for tests, keeping the messages it receives.
package mailtest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Received is one message accepted by the server.
type Received struct {
	From string
	To   []string
	Data []byte
	User string // the authenticated user, if any
}

// Server is a loopback SMTP server.
type Server struct {
	Host string
	Port int

	mu       sync.Mutex
	msgs     []Received
	arrived  chan struct{}
	user     string
	password string
}

// Start runs a server on 127.0.0.1 until the test ends. With a non-empty
// user, PLAIN authentication with user/password is required.
func Start(t testing.TB, user, password string) *Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{arrived: make(chan struct{}, 1000), user: user, password: password}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{srv: s}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { srv.Close() })
	addr := l.Addr().(*net.TCPAddr)
	s.Host, s.Port = "127.0.0.1", addr.Port
	return s
}

// Config returns a mail configuration for this server (plain SMTP).
func (s *Server) Config() config.Mail {
	return config.Mail{Host: s.Host, Port: s.Port, Username: s.user, Password: s.password, DisableTLS: true,
		NoReplyAddress: "noreply@cozy.test", NoReplyName: "My Cozy"}
}

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Messages returns the messages received so far.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

// Wait returns the n-th message (from 1) once it has arrived, or ctx's error.
func (s *Server) Wait(ctx context.Context, n int) (Received, error) {
	for {
		s.mu.Lock()
		if len(s.msgs) >= n {
			m := s.msgs[n-1]
			s.mu.Unlock()
			return m, nil
		}
		s.mu.Unlock()
		select {
		case <-s.arrived:
		case <-ctx.Done():
			return Received{}, ctx.Err()
		}
	}
}

type session struct {
	srv  *Server
	user string
	cur  Received
}

var errAuth = errors.New("authentication required")

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, password string) error {
		if user != s.srv.user || password != s.srv.password || user == "" {
			return errors.New("bad credentials")
		}
		s.user = user
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.user != "" && s.user == "" {
		return errAuth
	}
	s.cur = Received{From: from, User: s.user}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.To = append(s.cur.To, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, r); err != nil {
		return err
	}
	s.cur.Data = buf.Bytes()
	s.srv.mu.Lock()
	s.srv.msgs = append(s.srv.msgs, s.cur)
	s.srv.mu.Unlock()
	select {
	case s.srv.arrived <- struct{}{}:
	default:
	}
	return nil
}

func (s *session) Reset() { s.cur = Received{} }

func (s *session) Logout() error { return nil }
