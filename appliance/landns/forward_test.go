package landns

import (
	"context"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func TestUpstreamQuery(t *testing.T) {
	req := new(dns.Msg)
	req.SetQuestion("a.test.", dns.TypeTXT)
	req.Id = 7
	req.SetEdns0(512, true)
	q := upstreamQuery(req)
	if !q.RecursionDesired || q.IsEdns0() == nil || !q.IsEdns0().Do() || q.IsEdns0().UDPSize() != upstreamUDPSize || q.Question[0] != req.Question[0] {
		t.Fatalf("upstream query %v", q)
	}
}

func TestForwarderRetriesOverTCP(t *testing.T) {
	up := startUpstream(t)
	f := newForwarder([]string{up.addr}, 2*time.Second)
	req := new(dns.Msg)
	req.SetQuestion("big.example.test.", dns.TypeTXT)
	// Our EDNS size (1232) is below the answer's size: the UDP answer comes
	// back truncated and the forwarder asks again over TCP.
	m, err := f.exchange(context.Background(), req)
	if err != nil || m.Truncated || len(m.Answer) != 40 {
		t.Fatalf("%v %v", err, m)
	}
	if n := up.count("big.example.test."); n != 2 {
		t.Fatalf("upstream asked %d times, want UDP then TCP", n)
	}
}

func TestForwarderNoUpstream(t *testing.T) {
	req := new(dns.Msg)
	req.SetQuestion("a.test.", dns.TypeA)
	if _, err := newForwarder(nil, time.Second).exchange(context.Background(), req); err == nil {
		t.Fatal("no upstream and no error")
	}
}
