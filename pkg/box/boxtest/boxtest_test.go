package boxtest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/cozypi/cozy/pkg/box"
	"github.com/cozypi/cozy/pkg/box/boxtest"
)

func TestCertificates(t *testing.T) {
	var c boxtest.Certificates
	var _ box.Certificates = &c
	if c.Status().State != box.StateNone {
		t.Fatalf("fresh: %+v", c.Status())
	}
	ctx := context.Background()
	if err := c.Configure(ctx, box.Choice{Mode: box.ModeLater}); err == nil {
		t.Fatal("later accepted")
	}
	c.Refuse(errors.New("no"))
	if err := c.Configure(ctx, box.Choice{Mode: box.ModeLAN, Names: []string{"cozy.local"}}); err == nil || len(c.Choices()) != 0 {
		t.Fatal("refusal ignored")
	}
	c.Refuse(nil)
	if err := c.Configure(ctx, box.Choice{Mode: box.ModeDomain, Names: []string{"a.example", "*.a.example"}}); err != nil || c.Status().State != box.StateWaitDNS {
		t.Fatalf("domain: %v %+v", err, c.Status())
	}
	c.Set(box.Status{State: box.StateReady})
	if err := c.Configure(ctx, box.Choice{Mode: box.ModeDomain, Names: []string{"a.example", "*.a.example"}}); err != nil || c.Status().State != box.StateReady {
		t.Fatalf("the same choice again lost its progress: %+v", c.Status())
	}
	if err := c.Configure(ctx, box.Choice{Mode: box.ModeLAN, Names: []string{"cozy.local"}}); err != nil || c.Status().State != box.StateObtaining {
		t.Fatalf("LAN: %+v", c.Status())
	}
	if len(c.Choices()) != 3 {
		t.Fatalf("choices %+v", c.Choices())
	}
}
