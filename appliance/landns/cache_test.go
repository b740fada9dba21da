package landns

import (
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// answerFor makes an upstream-like answer of one A record with ttl.
func answerFor(name string, ttl uint32) (*dns.Msg, cacheKey) {
	req := new(dns.Msg)
	req.SetQuestion(name, dns.TypeA)
	m := new(dns.Msg)
	m.SetReply(req)
	m.Answer = []dns.RR{&dns.A{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: ttl}, A: net.IPv4(192, 0, 2, 1)}}
	return m, keyOf(req)
}

func TestCacheTTLAndExpiry(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	c := newCache(10, time.Hour, clk.now)
	m, k := answerFor("a.test.", 60)
	c.put(k, m)
	clk.advance(59 * time.Second)
	got := c.get(k)
	if got == nil || got.Answer[0].Header().Ttl != 1 {
		t.Fatalf("after 59 s: %v", got)
	}
	if m.Answer[0].Header().Ttl != 60 {
		t.Fatal("get changed the stored answer")
	}
	clk.advance(time.Second)
	if c.get(k) != nil || c.len() != 0 {
		t.Fatal("expired answer served")
	}
}

func TestCacheMaxTTLAndUncacheable(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	c := newCache(10, 10*time.Second, clk.now)
	m, k := answerFor("a.test.", 86400)
	c.put(k, m)
	clk.advance(10 * time.Second)
	if c.get(k) != nil {
		t.Fatal("answer kept past MaxCacheTTL")
	}
	zero, kz := answerFor("z.test.", 0)
	c.put(kz, zero)
	fail, kf := answerFor("f.test.", 60)
	fail.Rcode = dns.RcodeServerFailure
	c.put(kf, fail)
	trunc, kt := answerFor("t.test.", 60)
	trunc.Truncated = true
	c.put(kt, trunc)
	if c.len() != 0 {
		t.Fatalf("%d uncacheable answers kept", c.len())
	}
}

func TestCacheBoundedLRU(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	c := newCache(2, time.Hour, clk.now)
	a, ka := answerFor("a.test.", 60)
	b, kb := answerFor("b.test.", 60)
	d, kd := answerFor("d.test.", 60)
	c.put(ka, a)
	c.put(kb, b)
	c.get(ka) // a is now the most recent
	c.put(kd, d)
	if c.len() != 2 || c.get(kb) != nil || c.get(ka) == nil || c.get(kd) == nil {
		t.Fatal("the least recently used answer was not the one dropped")
	}
}

func TestCacheKeyFoldsCaseAndKeepsDO(t *testing.T) {
	r1, r2, r3 := new(dns.Msg), new(dns.Msg), new(dns.Msg)
	r1.SetQuestion("A.Test.", dns.TypeA)
	r2.SetQuestion("a.test.", dns.TypeA)
	r3.SetQuestion("a.test.", dns.TypeA)
	r3.SetEdns0(1232, true)
	if keyOf(r1) != keyOf(r2) || keyOf(r2) == keyOf(r3) {
		t.Fatal("cache key")
	}
}

func TestCacheNegativeTTL(t *testing.T) {
	m := new(dns.Msg)
	m.Rcode = dns.RcodeNameError
	m.Ns = []dns.RR{&dns.SOA{Hdr: dns.RR_Header{Name: "test.", Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 600}, Minttl: 30}}
	if ttl, ok := cacheTTL(m); !ok || ttl != 30*time.Second {
		t.Fatalf("negative TTL %v %v", ttl, ok)
	}
	if _, ok := cacheTTL(new(dns.Msg)); ok {
		t.Fatal("an empty answer without SOA is cacheable")
	}
}
