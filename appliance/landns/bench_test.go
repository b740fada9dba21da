package landns

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// proxy is the baseline: the plain miekg/dns forwarder (a Server whose
// handler Exchanges each query with the upstream), without cache or limits.
type proxy struct {
	upstream string
	client   *dns.Client
}

// ServeDNS forwards req as is.
func (p *proxy) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	resp, _, err := p.client.Exchange(req, p.upstream)
	if err != nil {
		m := new(dns.Msg)
		m.SetRcode(req, dns.RcodeServerFailure)
		resp = m
	}
	_ = w.WriteMsg(resp)
}

// startProxy runs the baseline forwarder on loopback UDP.
func startProxy(b *testing.B, upstream string) string {
	b.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: &proxy{upstream: upstream, client: &dns.Client{Timeout: 2 * time.Second}}}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	var wg sync.WaitGroup
	b.Cleanup(wg.Wait)
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = srv.ActivateAndServe()
	}()
	<-started
	b.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().String()
}

// hammer sends name/A queries to addr from parallel clients, each on its own
// UDP socket, and reports queries/s.
func hammer(b *testing.B, addr, name string) {
	b.Helper()
	b.ReportAllocs()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		c := &dns.Client{Timeout: 2 * time.Second}
		co, err := c.Dial(addr)
		if err != nil {
			b.Error(err)
			return
		}
		defer co.Close()
		m := new(dns.Msg)
		m.SetQuestion(name, dns.TypeA)
		for pb.Next() {
			m.Id = dns.Id()
			resp, _, err := c.ExchangeWithConn(m, co)
			if err != nil || resp.Rcode != dns.RcodeSuccess {
				b.Errorf("%v %v", err, resp)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "queries/s")
}

// BenchmarkThroughput compares, in one run, the plain forwarder with landns
// forwarding every query (cache off), answering from its cache, and
// answering its own names. Rate limits are off.
func BenchmarkThroughput(b *testing.B) {
	up := startUpstream(b)
	b.Run("plain-forwarder", func(b *testing.B) {
		hammer(b, startProxy(b, up.addr), "www.example.test.")
	})
	b.Run("landns-uncached", func(b *testing.B) {
		s, _ := startServer(b, up, Config{CacheSize: -1, RatePerClient: -1})
		hammer(b, s.Addr(), "www.example.test.")
	})
	b.Run("landns-cached", func(b *testing.B) {
		s, _ := startServer(b, up, Config{RatePerClient: -1})
		hammer(b, s.Addr(), "www.example.test.")
	})
	b.Run("landns-own-name", func(b *testing.B) {
		s, _ := startServer(b, up, Config{RatePerClient: -1})
		hammer(b, s.Addr(), "cozy.local.")
	})
}
