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

// BenchmarkInterleaved sends each query in turn to the plain forwarder and
// to landns (cache off, then cache on), so both see the same machine load,
// and reports each one's queries/s and landns's throughput as a ratio of
// the forwarder's.
func BenchmarkInterleaved(b *testing.B) {
	up := startUpstream(b)
	proxyAddr := startProxy(b, up.addr)
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"uncached", Config{CacheSize: -1, RatePerClient: -1}},
		{"cached", Config{RatePerClient: -1}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s, _ := startServer(b, up, tc.cfg)
			c := &dns.Client{Timeout: 2 * time.Second}
			var conns [2]*dns.Conn
			for i, addr := range []string{proxyAddr, s.Addr()} {
				co, err := c.Dial(addr)
				if err != nil {
					b.Fatal(err)
				}
				defer co.Close()
				conns[i] = co
			}
			var spent [2]time.Duration
			m := new(dns.Msg)
			m.SetQuestion("www.example.test.", dns.TypeA)
			for b.Loop() {
				for i, co := range conns {
					m.Id = dns.Id()
					start := time.Now()
					resp, _, err := c.ExchangeWithConn(m, co)
					spent[i] += time.Since(start)
					if err != nil || resp.Rcode != dns.RcodeSuccess {
						b.Fatalf("%v %v", err, resp)
					}
				}
			}
			b.ReportMetric(float64(b.N)/spent[0].Seconds(), "forwarder-q/s")
			b.ReportMetric(float64(b.N)/spent[1].Seconds(), "landns-q/s")
			b.ReportMetric(spent[0].Seconds()/spent[1].Seconds(), "landns/forwarder")
		})
	}
}
