package certs

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/libdns/libdns"
)

// publisher keeps the domain's and the wildcard's A/AAAA records pointed
// at the box's addresses, retrying failures in the background.
type publisher struct {
	m    *Manager
	mu   sync.Mutex // one publication at a time
	kick chan struct{}
	want []netip.Addr
	have []netip.Addr
	done bool // have is published
	// firstRetry is the first retry delay (5 s), doubled up to 10 min.
	firstRetry time.Duration
}

// SetAddrs publishes addrs as the A/AAAA records of the domain and of its
// wildcard (domain mode; lan mode has nothing to publish), replacing what
// was there; a family without addresses has its records removed. It returns
// the publication's error; a failed publication is retried in the
// background until it succeeds or SetAddrs is called again.
func (m *Manager) SetAddrs(ctx context.Context, addrs []netip.Addr) error {
	if m.cfg.Mode != ModeDomain {
		return nil
	}
	var clean []netip.Addr
	for _, a := range addrs {
		if a = a.Unmap(); a.IsValid() && !slices.Contains(clean, a) {
			clean = append(clean, a)
		}
	}
	if len(clean) == 0 {
		return errors.New("certs: no address to publish")
	}
	slices.SortFunc(clean, netip.Addr.Compare)
	p := &m.pub
	p.mu.Lock()
	p.want = clean
	p.mu.Unlock()
	err := p.publish(ctx)
	if err != nil {
		select {
		case p.kick <- struct{}{}:
		default:
		}
	}
	return err
}

// run retries failed publications until ctx ends.
func (p *publisher) run(ctx context.Context) {
	defer p.m.wg.Done()
	var retry <-chan time.Time
	if p.firstRetry <= 0 {
		p.firstRetry = 5 * time.Second
	}
	wait := p.firstRetry
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.kick:
		case <-retry:
		}
		if err := p.publish(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			p.m.log.Warn("publishing the box's addresses failed; will retry", "err", err, "retry_in", wait)
			retry = time.After(wait)
			wait = min(wait*2, 10*time.Minute)
			continue
		}
		retry, wait = nil, p.firstRetry
	}
}

// publish writes the wanted addresses if they are not the published ones.
func (p *publisher) publish(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	want := p.want
	if len(want) == 0 || p.done && slices.Equal(want, p.have) {
		return nil
	}
	m := p.m
	zone := m.cfg.Zone + "."
	apex := libdns.RelativeName(m.cfg.Domain+".", zone)
	wild := "*"
	if apex != "@" {
		wild = "*." + apex
	}
	var set []libdns.Record
	var del []libdns.Record
	for _, name := range []string{apex, wild} {
		var v4, v6 bool
		for _, a := range want {
			set = append(set, libdns.Address{Name: name, TTL: m.cfg.AddrTTL, IP: a})
			v4, v6 = v4 || a.Is4(), v6 || a.Is6()
		}
		if !v4 {
			del = append(del, libdns.RR{Name: name, Type: "A"})
		}
		if !v6 {
			del = append(del, libdns.RR{Name: name, Type: "AAAA"})
		}
	}
	_, err := m.cfg.DNS.SetRecords(ctx, zone, set)
	if err == nil && len(del) > 0 {
		_, err = m.cfg.DNS.DeleteRecords(ctx, zone, del)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil {
		m.st.records.Pending = slices.Clone(want)
		m.st.records.LastError = err.Error()
		m.notify()
		return err
	}
	p.have, p.done = want, true
	m.st.records = RecordsStatus{Addrs: slices.Clone(want), PublishedAt: time.Now()}
	m.log.Info("published the box's addresses", "domain", m.cfg.Domain, "addrs", want)
	m.notify()
	return nil
}
