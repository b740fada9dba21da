package remote

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// testDNS runs a DNS server on 127.0.0.1 answering A/AAAA from records
// (name -> address) and returns a resolver that only asks it, plus a
// function giving the names queried so far.
func testDNS(t *testing.T, records map[string]string) (*net.Resolver, func() []string) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var asked []string
	handler := dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(req)
		m.Authoritative = true
		for _, q := range req.Question {
			name := strings.TrimSuffix(strings.ToLower(q.Name), ".")
			mu.Lock()
			asked = append(asked, name)
			mu.Unlock()
			addr, ok := records[name]
			if !ok {
				m.Rcode = dns.RcodeNameError
				continue
			}
			a := netip.MustParseAddr(addr)
			hdr := dns.RR_Header{Name: q.Name, Class: dns.ClassINET, Ttl: 1}
			switch {
			case q.Qtype == dns.TypeA && a.Is4():
				hdr.Rrtype = dns.TypeA
				m.Answer = append(m.Answer, &dns.A{Hdr: hdr, A: net.IP(a.AsSlice())})
			case q.Qtype == dns.TypeAAAA && a.Is6():
				hdr.Rrtype = dns.TypeAAAA
				m.Answer = append(m.Answer, &dns.AAAA{Hdr: hdr, AAAA: net.IP(a.AsSlice())})
			}
		}
		_ = w.WriteMsg(m)
	})
	srv := &dns.Server{PacketConn: pc, Handler: handler}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	addr := pc.LocalAddr().String()
	res := &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", addr)
		},
	}
	return res, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), asked...)
	}
}

// countingServer is an httptest server on 127.0.0.1 counting its hits.
func countingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if h != nil {
			h(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// allowOnly returns an InsecureAllowAddr hook allowing exactly srv's address.
func allowOnly(t *testing.T, srv *httptest.Server) func(netip.AddrPort) bool {
	t.Helper()
	ap := netip.MustParseAddrPort(srv.Listener.Addr().String())
	return func(a netip.AddrPort) bool { return a == ap }
}

func serverPort(srv *httptest.Server) string {
	u, _ := url.Parse(srv.URL)
	return u.Port()
}

func get(t *testing.T, c *Client, rawURL string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c.Do(req)
}

func wantBlocked(t *testing.T, err error, target string) {
	t.Helper()
	var be *BlockedError
	if !errors.As(err, &be) {
		t.Fatalf("error = %v, want *BlockedError", err)
	}
	if !errors.Is(err, ErrBlockedDestination) || HTTPStatus(err) != http.StatusBadGateway {
		t.Errorf("errors.Is ErrBlockedDestination false or status %d", HTTPStatus(err))
	}
	if target != "" && be.Target != target {
		t.Errorf("refused target = %q, want %q (%v)", be.Target, target, be)
	}
}

func TestClientSSRFCorpus(t *testing.T) {
	res, asked := testDNS(t, nil)
	c := NewClient(ClientConfig{Resolver: res})
	corpus := []string{
		"http://127.0.0.1/",
		"http://127.1/",
		"http://2130706433/",
		"http://0x7f.1/",
		"http://0x7f000001/",
		"http://017700000001/",
		"http://0177.0.0.1/",
		"http://127.0.0.1./",
		"http://[::ffff:127.0.0.1]/",
		"http://[::ffff:7f00:1]/",
		"http://[::1]/",
		"http://[fe80::1%25eth0]/",
		"http://[fd00::1]/",
		"https://[64:ff9b::a9fe:a9fe]/",
		"http://0.0.0.0/",
		"http://10.0.0.1/",
		"http://100.64.0.1/",
		"http://169.254.169.254/latest/meta-data/",
		"http://172.16.0.1/",
		"http://192.0.0.1/",
		"http://192.168.1.1/",
		"http://198.18.0.1/",
		"http://224.0.0.1/",
		"http://255.255.255.255/",
		"http://localhost/",
		"http://foo.localhost/",
		"http://www.example.org:8080/",
		"https://www.example.org:80/",
		"http://user:pw@www.example.org/",
	}
	for _, u := range corpus {
		t.Run(u, func(t *testing.T) {
			resp, err := get(t, c, u)
			if err == nil {
				resp.Body.Close()
				t.Fatalf("GET %s succeeded", u)
			}
			wantBlocked(t, err, "")
		})
	}
	if q := asked(); len(q) != 0 {
		t.Errorf("DNS queried for %v, want no lookup at all", q)
	}
}

func TestClientControlChecksDialledAddress(t *testing.T) {
	c := NewClient(ClientConfig{})
	tests := []struct {
		network, addr string
		ok            bool
	}{
		{"tcp4", "127.0.0.1:80", false},
		{"tcp6", "[::1]:443", false},
		{"tcp6", "[::ffff:127.0.0.1]:80", false},
		{"tcp4", "10.1.2.3:443", false},
		{"tcp4", "8.8.8.8:8080", false},
		{"udp4", "8.8.8.8:80", false},
		{"tcp4", "8.8.8.8:443", true},
		{"tcp6", "[2606:4700:4700::1111]:80", true},
	}
	for _, tt := range tests {
		err := c.control(tt.network, tt.addr, nil)
		if (err == nil) != tt.ok {
			t.Errorf("control(%s, %s) = %v, want ok=%v", tt.network, tt.addr, err, tt.ok)
		}
	}
}

func TestClientAllowsExactlyTheHookedAddress(t *testing.T) {
	a, hitsA := countingServer(t, nil)
	b, hitsB := countingServer(t, nil)
	c := NewClient(ClientConfig{InsecureAllowAddr: allowOnly(t, a)})
	resp, err := get(t, c, a.URL+"/x")
	if err != nil {
		t.Fatalf("GET allowed server: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != `{"ok":true}` || hitsA.Load() != 1 {
		t.Errorf("status %d body %q hits %d", resp.StatusCode, body, hitsA.Load())
	}
	_, err = get(t, c, b.URL+"/x")
	wantBlocked(t, err, "")
	if hitsB.Load() != 0 {
		t.Errorf("server B hit %d times", hitsB.Load())
	}
}

func TestClientNameResolvingToLoopback(t *testing.T) {
	target, hits := countingServer(t, nil)
	port := serverPort(target)
	res, asked := testDNS(t, map[string]string{
		"evil.test":   "127.0.0.1",
		"evil6.test":  "::1",
		"mapped.test": "::ffff:127.0.0.1",
		"meta.test":   "169.254.169.254",
	})
	// Custom ports allowed so the address is the only reason to refuse.
	c := NewClient(ClientConfig{Resolver: res, AllowCustomPort: true})
	tests := []struct {
		host, refused string
	}{
		{"evil.test", "127.0.0.1"},
		{"evil6.test", "::1"},
		{"mapped.test", "127.0.0.1"},
		{"meta.test", "169.254.169.254"},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			_, err := get(t, c, "http://"+tt.host+":"+port+"/")
			wantBlocked(t, err, tt.refused)
		})
	}
	if hits.Load() != 0 {
		t.Errorf("loopback server hit %d times", hits.Load())
	}
	q := strings.Join(asked(), " ")
	for _, tt := range tests {
		if !strings.Contains(q, tt.host) {
			t.Errorf("%s was not resolved through the test DNS server (asked: %s)", tt.host, q)
		}
	}
	// Without AllowCustomPort the port alone is refused, before any lookup.
	strict := NewClient(ClientConfig{Resolver: res})
	_, err := get(t, strict, "http://evil.test:"+port+"/")
	wantBlocked(t, err, "evil.test:"+port)
}

func TestClientRedirectToPrivateAddress(t *testing.T) {
	private, hits := countingServer(t, nil)
	pport := serverPort(private)
	res, _ := testDNS(t, map[string]string{"rebind.test": "127.0.0.1"})
	tests := []struct {
		name, location, refused string
	}{
		{"private IPv4 literal", "http://10.0.0.1/admin", "10.0.0.1"},
		{"cloud metadata", "http://169.254.169.254/latest/meta-data/", "169.254.169.254"},
		{"other loopback port", "http://127.0.0.1:" + pport + "/", "127.0.0.1:" + pport},
		{"IPv4-mapped loopback", "http://[::ffff:127.0.0.1]:" + pport + "/", "[::ffff:127.0.0.1]:" + pport},
		{"decimal loopback", "http://2130706433:" + pport + "/", "2130706433:" + pport},
		{"name resolving to loopback", "http://rebind.test:" + pport + "/", "127.0.0.1"},
		{"non-http scheme", "file:///etc/passwd", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			front, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, tt.location, http.StatusFound)
			})
			c := NewClient(ClientConfig{
				Resolver: res, AllowCustomPort: true, InsecureAllowAddr: allowOnly(t, front),
			})
			resp, err := get(t, c, front.URL+"/start")
			if err == nil {
				resp.Body.Close()
				t.Fatal("redirect followed")
			}
			wantBlocked(t, err, tt.refused)
		})
	}
	if hits.Load() != 0 {
		t.Errorf("private server hit %d times", hits.Load())
	}
}

func TestClientRedirectLimit(t *testing.T) {
	var srv *httptest.Server
	srv, _ = countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, srv.URL+"/again", http.StatusFound)
	})
	c := NewClient(ClientConfig{InsecureAllowAddr: allowOnly(t, srv), MaxRedirects: 2})
	_, err := get(t, c, srv.URL+"/")
	if !errors.Is(err, ErrRequestFailed) || !strings.Contains(err.Error(), "redirects") {
		t.Fatalf("error = %v, want redirect limit", err)
	}
}

func TestClientSizeLimit(t *testing.T) {
	const limit = 1000
	tests := []struct {
		name          string
		size          int
		contentLength bool
		doErr         bool // refused by Do (announced length)
		readErr       bool // refused while reading
	}{
		{"chunked at the limit", limit, false, false, false},
		{"chunked one byte over", limit + 1, false, false, true},
		{"chunked far over", 50 * limit, false, false, true},
		{"announced at the limit", limit, true, false, false},
		{"announced over", limit + 1, true, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if tt.contentLength {
					w.Header().Set("Content-Length", strconv.Itoa(tt.size))
				} else {
					w.(http.Flusher).Flush() // forces chunked encoding
				}
				_, _ = w.Write([]byte(strings.Repeat("a", tt.size)))
			})
			c := NewClient(ClientConfig{InsecureAllowAddr: allowOnly(t, srv), MaxResponseBytes: limit})
			resp, err := get(t, c, srv.URL)
			if tt.doErr {
				if !errors.Is(err, ErrResponseTooLarge) {
					t.Fatalf("Do error = %v, want ErrResponseTooLarge", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if tt.readErr {
				if !errors.Is(err, ErrResponseTooLarge) || len(b) != limit {
					t.Fatalf("ReadAll = %d bytes, %v; want %d bytes and ErrResponseTooLarge", len(b), err, limit)
				}
				// The error sticks.
				if _, err := resp.Body.Read(make([]byte, 1)); !errors.Is(err, ErrResponseTooLarge) {
					t.Errorf("second Read error = %v", err)
				}
				return
			}
			if err != nil || len(b) != tt.size {
				t.Fatalf("ReadAll = %d bytes, %v; want %d", len(b), err, tt.size)
			}
		})
	}
}

func TestClientTimeLimit(t *testing.T) {
	tests := []struct {
		name        string
		sendHeaders bool
	}{
		{"no response headers", false},
		{"body never ends", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			srv, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.sendHeaders {
					w.Header().Set("Content-Type", "application/json")
					_, _ = w.Write([]byte(`{"partial":`))
					w.(http.Flusher).Flush()
				}
				select {
				case <-r.Context().Done():
				case <-release:
				}
			})
			t.Cleanup(func() { close(release) }) // runs before srv.Close
			c := NewClient(ClientConfig{InsecureAllowAddr: allowOnly(t, srv), Timeout: 200 * time.Millisecond})
			resp, err := get(t, c, srv.URL)
			if !tt.sendHeaders {
				if !errors.Is(err, ErrTimeout) || HTTPStatus(err) != http.StatusGatewayTimeout {
					t.Fatalf("Do error = %v, want ErrTimeout", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if _, err := io.ReadAll(resp.Body); !errors.Is(err, ErrTimeout) {
				t.Fatalf("ReadAll error = %v, want ErrTimeout", err)
			}
		})
	}
}

func TestClientIgnoresProxyEnvironment(t *testing.T) {
	proxy, proxyHits := countingServer(t, nil)
	srv, hits := countingServer(t, nil)
	// A non-loopback name, since Go never proxies loopback hosts anyway.
	res, _ := testDNS(t, map[string]string{"public.test": "127.0.0.1"})
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("http_proxy", proxy.URL)
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")
	allowSrv, allowProxy := allowOnly(t, srv), allowOnly(t, proxy)
	c := NewClient(ClientConfig{
		Resolver: res, AllowCustomPort: true,
		InsecureAllowAddr: func(a netip.AddrPort) bool { return allowSrv(a) || allowProxy(a) },
	})
	resp, err := get(t, c, "http://public.test:"+serverPort(srv)+"/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if hits.Load() != 1 || proxyHits.Load() != 0 {
		t.Errorf("server hits %d, proxy hits %d; want 1, 0", hits.Load(), proxyHits.Load())
	}
}
