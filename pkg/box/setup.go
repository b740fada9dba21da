package box

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // a box's rootfs may lack /usr/share/zoneinfo: time zones are checked against Go's copy
	"unicode"
	"unicode/utf8"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	bolt "go.etcd.io/bbolt"
)

// Request is what the setup page sends.
type Request struct {
	Code      string // the setup code
	Household string // the household's name, shown on its pages
	// Member is the first member's name: a DNS label, as it becomes
	// <member>.<domain> in ModeDomain.
	Member string
	Email  string
	Locale string
	TZ     string // an IANA time zone, "" for UTC
	HTTPS  Choice
	// Port is the port the setup page was reached on, kept in the
	// instance's domain in ModeLAN and ModeLater (<name>.local:<port>)
	// unless it is 80 or 443; "" for none.
	Port string
}

// Result is what the setup made.
type Result struct {
	Household Household
	Instance  *instance.Instance // the first member's, without a passphrase yet
}

// Setup sets the box up once: checks the code and req, creates the first
// member's instance (its passphrase is chosen on its onboarding page,
// Instance.RegisterToken), gives the HTTPS choice to the certificates
// manager, then stores the household, which closes the setup. Nothing is
// left half-made: a failure after the instance's creation deletes it.
func (b *Box) Setup(ctx context.Context, req Request) (Result, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.household != nil {
		return Result{}, ErrClosed
	}
	if err := b.checkCodeLocked(req.Code); err != nil {
		return Result{}, err
	}
	h, opts, err := b.validate(req)
	if err != nil {
		return Result{}, err
	}
	if h.HTTPS.Mode != ModeLater && b.certs == nil {
		return Result{}, ErrNoCertificates
	}
	inst, err := b.instances.Create(ctx, opts)
	if err != nil {
		return Result{}, fmt.Errorf("box: creating the first instance: %w", err)
	}
	undo := func(cause error) (Result, error) {
		if derr := b.instances.Delete(context.WithoutCancel(ctx), inst.Domain); derr != nil {
			b.log.ErrorContext(ctx, "box: removing the instance of a failed setup", "domain", inst.Domain, "error", derr)
		}
		return Result{}, cause
	}
	if h.HTTPS.Mode != ModeLater {
		if err := b.certs.Configure(ctx, h.HTTPS); err != nil {
			return undo(fmt.Errorf("%w: %w", ErrHTTPS, err))
		}
	}
	h.Instance = inst.Domain
	h.SetUpAt = time.Now().UTC().Truncate(time.Second)
	raw, err := json.Marshal(h)
	if err != nil {
		return undo(err)
	}
	err = b.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketBox)
		if err := bk.Put(keyHousehold, raw); err != nil {
			return err
		}
		return bk.Delete(keyCode)
	})
	if err != nil {
		return undo(fmt.Errorf("box: saving the household: %w", err))
	}
	b.household, b.code = &h, ""
	b.log.InfoContext(ctx, "box set up", "household", h.Name, "instance", inst.Domain, "https", h.HTTPS.Mode)
	b.refreshLocked()
	return Result{Household: h, Instance: inst}, nil
}

// validate checks req and returns the household (without its instance)
// and the instance's options.
func (b *Box) validate(req Request) (Household, instance.Options, error) {
	name := strings.TrimSpace(req.Household)
	if name == "" || utf8.RuneCountInString(name) > 100 || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return Household{}, instance.Options{}, fmt.Errorf("%w: the household name must be 1 to 100 printable characters", ErrInvalid)
	}
	member := strings.ToLower(strings.TrimSpace(req.Member))
	if !validLabel(member) {
		return Household{}, instance.Options{}, fmt.Errorf("%w: the member name must be lower-case letters, digits and dashes (it becomes a host name), not %q", ErrInvalid, req.Member)
	}
	if req.TZ != "" {
		if _, err := time.LoadLocation(req.TZ); err != nil || req.TZ == "Local" {
			return Household{}, instance.Options{}, fmt.Errorf("%w: unknown time zone %q", ErrInvalid, req.TZ)
		}
	}
	if req.Email != "" && (len(req.Email) > 254 || !strings.Contains(req.Email, "@") || strings.ContainsAny(req.Email, " \r\n<>")) {
		return Household{}, instance.Options{}, fmt.Errorf("%w: %q is not a mail address", ErrInvalid, req.Email)
	}
	switch req.Locale {
	case "", "en", "fr":
	default:
		return Household{}, instance.Options{}, fmt.Errorf("%w: locale must be en or fr, not %q", ErrInvalid, req.Locale)
	}
	choice := req.HTTPS
	if choice.Credentials != nil { // validateChoice trims in place: not the caller's map
		c := make(map[string]string, len(choice.Credentials))
		for k, v := range choice.Credentials {
			c[k] = v
		}
		choice.Credentials = c
	}
	allowed := false
	for _, m := range b.allModes() {
		allowed = allowed || m == choice.Mode
	}
	if err := validateChoice(&choice, b.cfg.Name); err != nil {
		return Household{}, instance.Options{}, err
	}
	if !allowed {
		return Household{}, instance.Options{}, fmt.Errorf("%w: this box is configured for https %q only", ErrInvalid, b.cfg.HTTPS)
	}
	domain := member + "." + choice.Domain
	if choice.Mode != ModeDomain {
		domain = b.cfg.Name + ".local"
	}
	// The instance's address carries the port it is served on when it is
	// not the scheme's default: the HTTP port the page came from for the
	// plain HTTP choice, the box's HTTPS port otherwise.
	port := req.Port
	if choice.Mode != ModeLater {
		port = ""
		if b.cfg.HTTPSPort != 0 {
			port = strconv.Itoa(b.cfg.HTTPSPort)
		}
	}
	if port != "" && port != "80" && port != "443" {
		domain = net.JoinHostPort(domain, port)
	}
	h := Household{Name: name, Member: member, TZ: req.TZ, HTTPS: choice}
	return h, instance.Options{Domain: domain, Locale: req.Locale, TZ: req.TZ, Email: req.Email, PublicName: member}, nil
}

// allModes are the modes the configuration allows (certificates or not).
func (b *Box) allModes() []string {
	if b.cfg.HTTPS != "" && b.cfg.HTTPS != config.BoxHTTPSAsk {
		return []string{b.cfg.HTTPS}
	}
	return []string{ModeDomain, ModeLAN, ModeLater}
}
