package box_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/cozypi/cozy/pkg/box"
	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
)

func later() box.Choice { return box.Choice{Mode: box.ModeLater} }

func TestSetupRefusesBadInput(t *testing.T) {
	e := newEnv(t, config.Box{SetupCode: true, Name: "cozy"}, true)
	ok := func() box.Request {
		return box.Request{Code: e.box.SetupCode(), Household: "The Smiths", Member: "alice", TZ: "Europe/Paris", HTTPS: later()}
	}
	cases := []struct {
		name string
		edit func(*box.Request)
		want error
		msg  string
	}{
		{"wrong code", func(r *box.Request) { r.Code = "AAAAAAAAAA" }, box.ErrBadCode, ""},
		{"no code", func(r *box.Request) { r.Code = "" }, box.ErrBadCode, ""},
		{"no household", func(r *box.Request) { r.Household = "  " }, box.ErrInvalid, "household name"},
		{"control in household", func(r *box.Request) { r.Household = "a\x00b" }, box.ErrInvalid, "household name"},
		{"member with a dot", func(r *box.Request) { r.Member = "alice.smith" }, box.ErrInvalid, "member name"},
		{"member with a space", func(r *box.Request) { r.Member = "alice smith" }, box.ErrInvalid, "member name"},
		{"unknown time zone", func(r *box.Request) { r.TZ = "Mars/Olympus" }, box.ErrInvalid, "time zone"},
		{"bad email", func(r *box.Request) { r.Email = "alice" }, box.ErrInvalid, "mail address"},
		{"bad locale", func(r *box.Request) { r.Locale = "xx" }, box.ErrInvalid, "locale"},
		{"unknown mode", func(r *box.Request) { r.HTTPS.Mode = "tls" }, box.ErrInvalid, "https mode"},
		{"domain without provider", func(r *box.Request) { r.HTTPS = box.Choice{Mode: box.ModeDomain, Domain: "smith.example"} }, box.ErrInvalid, "DNS provider"},
		{"domain .local", func(r *box.Request) {
			r.HTTPS = box.Choice{Mode: box.ModeDomain, Domain: "smith.local", Provider: "desec", Credentials: map[string]string{"token": "t"}}
		}, box.ErrInvalid, "public domain"},
		{"one-label domain", func(r *box.Request) {
			r.HTTPS = box.Choice{Mode: box.ModeDomain, Domain: "smith", Provider: "desec", Credentials: map[string]string{"token": "t"}}
		}, box.ErrInvalid, "public domain"},
		{"missing credential", func(r *box.Request) {
			r.HTTPS = box.Choice{Mode: box.ModeDomain, Domain: "smith.example", Provider: "ovh", Credentials: map[string]string{"endpoint": "ovh-eu"}}
		}, box.ErrInvalid, "application_key"},
		{"unknown credential", func(r *box.Request) {
			r.HTTPS = box.Choice{Mode: box.ModeDomain, Domain: "smith.example", Provider: "duckdns", Credentials: map[string]string{"api_token": "t", "password": "p"}}
		}, box.ErrInvalid, "password"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := ok()
			c.edit(&r)
			_, err := e.box.Setup(context.Background(), r)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("error %v, want %v with %q", err, c.want, c.msg)
			}
			if !e.box.SetupOpen() || len(e.insts.List()) != 0 || len(e.certs.Choices()) != 0 {
				t.Fatal("a refused setup left something")
			}
		})
	}
}

// TestFirstVisitorNeedsNoCode: without box.setup_code (the default: a
// headless box has no screen to show a code on), the first visitor on
// the LAN sets the box up, and only once.
func TestFirstVisitorNeedsNoCode(t *testing.T) {
	e := newEnv(t, config.Box{Name: "cozy"}, false)
	if e.box.NeedsCode() {
		t.Fatal("the code is asked for by default")
	}
	r := box.Request{Household: "The Smiths", Member: "alice", TZ: "Europe/Paris", HTTPS: later()}
	if _, err := e.box.Setup(context.Background(), r); err != nil {
		t.Fatalf("setup without a code: %v", err)
	}
	if e.box.SetupOpen() {
		t.Fatal("the setup is still open")
	}
	r.Member = "mallory"
	if _, err := e.box.Setup(context.Background(), r); !errors.Is(err, box.ErrClosed) {
		t.Fatalf("a second setup: %v, want ErrClosed", err)
	}
}

// TestSetupNothingHalfMade: when the instance cannot be created, or the
// certificates manager refuses the choice, nothing stays (no household, no
// instance) and the setup is still open.
func TestSetupNothingHalfMade(t *testing.T) {
	e := newEnv(t, config.Box{SetupCode: true, Name: "cozy"}, true)
	if _, err := e.insts.Create(context.Background(), instance.Options{Domain: "alice.smith.example"}); err != nil {
		t.Fatal(err)
	}
	domain := box.Choice{Mode: box.ModeDomain, Domain: "Smith.Example.", Provider: "desec", Credentials: map[string]string{"token": " secret "}}
	_, err := e.box.Setup(context.Background(), box.Request{Code: e.box.SetupCode(), Household: "Smiths", Member: "alice", HTTPS: domain})
	if !errors.Is(err, instance.ErrExists) || !e.box.SetupOpen() || len(e.certs.Choices()) != 0 {
		t.Fatalf("taken domain: %v, open %v", err, e.box.SetupOpen())
	}
	e.certs.Refuse(errors.New("deSEC: token refused"))
	_, err = e.box.Setup(context.Background(), box.Request{Code: e.box.SetupCode(), Household: "Smiths", Member: "bob", HTTPS: domain})
	if !errors.Is(err, box.ErrHTTPS) || !strings.Contains(err.Error(), "token refused") {
		t.Fatalf("refused credentials: %v", err)
	}
	if _, err := e.insts.Get("bob.smith.example"); !errors.Is(err, instance.ErrNotFound) {
		t.Fatalf("the instance of a failed setup stayed: %v", err)
	}
	if _, ok := e.box.Household(); ok || !e.box.SetupOpen() {
		t.Fatal("a household was stored")
	}
	e.certs.Refuse(nil)
	res, err := e.box.Setup(context.Background(), box.Request{Code: e.box.SetupCode(), Household: "Smiths", Member: "bob", HTTPS: domain})
	if err != nil {
		t.Fatal(err)
	}
	got := e.certs.Choices()[0]
	if res.Instance.Domain != "bob.smith.example" || got.Domain != "smith.example" || got.Credentials["token"] != "secret" ||
		strings.Join(got.Names, ",") != "smith.example,*.smith.example" {
		t.Fatalf("instance %s, choice %+v", res.Instance.Domain, got)
	}
	if e.box.HTTPS().State != box.StateWaitDNS {
		t.Fatalf("state %+v", e.box.HTTPS())
	}
}

// TestSetupOnce: of concurrent setups with the right code, one wins; then
// the setup is closed.
func TestSetupOnce(t *testing.T) {
	e := newEnv(t, config.Box{SetupCode: true, Name: "cozy"}, false)
	code := e.box.SetupCode()
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = e.box.Setup(context.Background(), box.Request{Code: code, Household: "Smiths", Member: "alice", Port: "8080", HTTPS: later()})
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, box.ErrClosed):
			t.Errorf("a loser got %v", err)
		}
	}
	if won != 1 || e.box.SetupOpen() || e.box.SetupCode() != "" {
		t.Fatalf("%d setups won", won)
	}
	list := e.insts.List()
	if len(list) != 1 || list[0].Domain != "cozy.local:8080" || list[0].OnboardingFinished || len(list[0].RegisterToken) == 0 {
		t.Fatalf("instances %+v", list)
	}
	if e.box.HTTPS().State != box.StateHTTP || e.box.Secure() {
		t.Fatalf("later: %+v", e.box.HTTPS())
	}
}

func TestSetupNeedsCertificatesForHTTPS(t *testing.T) {
	e := newEnv(t, config.Box{SetupCode: true, Name: "cozy"}, false)
	_, err := e.box.Setup(context.Background(), box.Request{Code: e.box.SetupCode(), Household: "Smiths", Member: "alice", HTTPS: box.Choice{Mode: box.ModeLAN}})
	if !errors.Is(err, box.ErrNoCertificates) || len(e.insts.List()) != 0 {
		t.Fatalf("LAN without certificates: %v", err)
	}
	lanOnly := newEnv(t, config.Box{SetupCode: true, Name: "cozy", HTTPS: config.BoxHTTPSLAN}, true)
	_, err = lanOnly.box.Setup(context.Background(), box.Request{Code: lanOnly.box.SetupCode(), Household: "Smiths", Member: "alice", HTTPS: later()})
	if !errors.Is(err, box.ErrInvalid) || !strings.Contains(err.Error(), `"lan" only`) {
		t.Fatalf("later on a LAN-only box: %v", err)
	}
}

// TestWrongCodesMakeANewOne: after ten wrong codes the code changes (and
// is logged), so guessing starts over; the new code works, typed loosely.
func TestWrongCodesMakeANewOne(t *testing.T) {
	e := newEnv(t, config.Box{SetupCode: true, Name: "cozy"}, false)
	first := e.box.SetupCode()
	for range 10 {
		if _, err := e.box.Setup(context.Background(), box.Request{Code: "WRONGWRONG"}); !errors.Is(err, box.ErrBadCode) {
			t.Fatal(err)
		}
	}
	second := e.box.SetupCode()
	if second == first || !strings.Contains(e.log.String(), second) {
		t.Fatalf("code %q after ten failures (was %q)", second, first)
	}
	loose := strings.ToLower(second[:5]) + " - " + second[5:]
	if _, err := e.box.Setup(context.Background(), box.Request{Code: loose, Household: "Smiths", Member: "alice", HTTPS: later()}); err != nil {
		t.Fatal(err)
	}
}

// TestInstancePort: the instance's address carries the port it is served
// on: the HTTP port the page came from for plain HTTP, the box's HTTPS
// port (none when 443) for the LAN and domain ways — never the HTTP port
// in an https address.
func TestInstancePort(t *testing.T) {
	lan := box.Choice{Mode: box.ModeLAN}
	cases := []struct {
		name  string
		cfg   config.Box
		port  string
		https box.Choice
		want  string
	}{
		{"later keeps the HTTP port", config.Box{Name: "cozy"}, "8080", later(), "cozy.local:8080"},
		{"later on port 80", config.Box{Name: "cozy"}, "", later(), "cozy.local"},
		{"lan drops the HTTP port", config.Box{Name: "cozy", HTTPSPort: 443}, "8080", lan, "cozy.local"},
		{"lan on another HTTPS port", config.Box{Name: "cozy", HTTPSPort: 8443}, "8080", lan, "cozy.local:8443"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, c.cfg, true)
			res, err := e.box.Setup(context.Background(), box.Request{Household: "Smiths", Member: "alice", Port: c.port, HTTPS: c.https})
			if err != nil {
				t.Fatal(err)
			}
			if res.Instance.Domain != c.want {
				t.Fatalf("instance %q, want %q", res.Instance.Domain, c.want)
			}
		})
	}
}
