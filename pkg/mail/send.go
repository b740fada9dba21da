package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"strconv"
	"time"

	"github.com/cozypi/cozy/pkg/config"
)

// ErrNoTLS is returned when the server does not offer STARTTLS and the
// configuration does not allow plain SMTP.
var ErrNoTLS = errors.New("the SMTP server does not offer STARTTLS (set mail.disable_tls to send in clear)")

// defaultTimeout bounds a whole SMTP exchange when ctx has no deadline.
const defaultTimeout = time.Minute

// Send builds msg and sends it through the SMTP server of cfg.
func Send(ctx context.Context, cfg config.Mail, msg Message) error {
	noReply := Address{Name: cfg.NoReplyName, Email: cfg.NoReplyAddress}
	if noReply.Email == "" {
		host := msg.Domain
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if host == "" {
			return fmt.Errorf("%w: no noreply address configured and no instance domain", ErrInvalid)
		}
		noReply.Email = "noreply@" + host
	}
	env, data, err := build(msg, noReply, time.Now())
	if err != nil {
		return err
	}
	if err := deliver(ctx, cfg, env, data); err != nil {
		return fmt.Errorf("sending mail through %s: %w", net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)), err)
	}
	return nil
}

// deliver runs the SMTP transaction.
func deliver(ctx context.Context, cfg config.Mail, env envelope, data []byte) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultTimeout)
		defer cancel()
	}
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	c, err := smtp.NewClient(conn, cfg.Host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return err
	}
	if !cfg.DisableTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return ErrNoTLS
		}
		if err := c.StartTLS(&tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12}); err != nil {
			return err
		}
	}
	if cfg.Username != "" {
		// PlainAuth refuses to send the password in clear, except to a
		// loopback server.
		if err := c.Auth(smtp.PlainAuth("", cfg.Username, cfg.Password, cfg.Host)); err != nil {
			return err
		}
	}
	if err := c.Mail(env.from); err != nil {
		return err
	}
	for _, rcpt := range env.to {
		if err := c.Rcpt(rcpt); err != nil {
			return fmt.Errorf("recipient %s: %w", rcpt, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	_ = c.Quit() // the message was accepted with the end of DATA
	return nil
}
