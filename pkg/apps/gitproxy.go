package apps

import (
	"errors"
	"io"
	"net"
	"net/http"
	"sync"

	"github.com/cozypi/cozy/pkg/remote"
)

// gitProxy is a local HTTP proxy for one git clone: git's http(s)
// connections go through it (http.proxy), so that they take the guarded
// dialer like every other fetch: CONNECT tunnels for https, forwarded
// absolute-form requests for http. It lives for one clone; Close stops it
// and waits for its goroutines.
type gitProxy struct {
	guard *remote.Guarded
	ln    net.Listener
	srv   *http.Server
	wg    sync.WaitGroup // Serve and the tunnels

	mu     sync.Mutex
	closed bool
	conns  map[net.Conn]bool // hijacked and dialled connections of tunnels
}

// startGitProxy listens on loopback and serves until Close.
func startGitProxy(g *remote.Guarded) (*gitProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &gitProxy{guard: g, ln: ln, conns: map[net.Conn]bool{}}
	p.srv = &http.Server{Handler: p}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		_ = p.srv.Serve(ln) // returns on Close
	}()
	return p, nil
}

// URL is the proxy's address for git's http.proxy.
func (p *gitProxy) URL() string { return "http://" + p.ln.Addr().String() }

// Close stops the proxy, cuts the tunnels and waits for them.
func (p *gitProxy) Close() {
	_ = p.srv.Close()
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// open records a tunnel's two connections for Close, and counts the
// tunnel in wg; false once the proxy is closed.
func (p *gitProxy) open(a, b net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.conns[a], p.conns[b] = true, true
	p.wg.Add(1)
	return true
}

// release forgets a tunnel's connections, closes them and uncounts it.
func (p *gitProxy) release(a, b net.Conn) {
	p.mu.Lock()
	delete(p.conns, a)
	delete(p.conns, b)
	p.mu.Unlock()
	a.Close()
	b.Close()
	p.wg.Done()
}

// ServeHTTP forwards one proxied request or opens one tunnel.
func (p *gitProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodConnect {
		p.tunnel(w, r)
		return
	}
	if r.URL.Scheme != "http" || r.URL.Host == "" {
		http.Error(w, "absolute http URL expected", http.StatusBadRequest)
		return
	}
	out := r.Clone(r.Context())
	out.RequestURI = ""
	for _, h := range []string{"Proxy-Connection", "Proxy-Authorization", "Connection", "Keep-Alive", "Te", "Trailer", "Upgrade"} {
		out.Header.Del(h)
	}
	res, err := p.guard.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), proxyStatus(err))
		return
	}
	defer res.Body.Close()
	for k, v := range res.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(res.StatusCode)
	_, _ = io.Copy(w, res.Body)
}

// proxyStatus is 403 for a refused destination, 502 otherwise.
func proxyStatus(err error) int {
	if errors.Is(err, remote.ErrBlockedDestination) {
		return http.StatusForbidden
	}
	return http.StatusBadGateway
}

// tunnel dials r.Host through the guard and pipes the bytes both ways.
func (p *gitProxy) tunnel(w http.ResponseWriter, r *http.Request) {
	target, err := p.guard.DialContext(r.Context(), "tcp", r.Host)
	if err != nil {
		http.Error(w, err.Error(), proxyStatus(err))
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		target.Close()
		http.Error(w, "no tunnel here", http.StatusInternalServerError)
		return
	}
	client, buf, err := hj.Hijack()
	if err != nil {
		target.Close()
		return
	}
	if !p.open(client, target) {
		client.Close()
		target.Close()
		return
	}
	defer p.release(client, target)
	if _, err := client.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil {
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(target, buf.Reader) // what git sent after CONNECT, then the rest
		if tc, ok := target.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
	}()
	_, _ = io.Copy(client, target)
	client.Close() // unblocks the other copy if git is still sending
	<-done
}
