package certs

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Status is what the settings page and `cozy status` show.
type Status struct {
	Mode   Mode   `json:"mode"`
	Domain string `json:"domain,omitempty"`
	// Ready: the certificates of domain mode are served (lan: always).
	Ready bool `json:"ready"`
	// ReadyAfter is the time from Start to Ready.
	ReadyAfter time.Duration `json:"ready_after,omitempty"`
	// Certificates are the certificates in use, by name, as certmagic's
	// cache has them (it takes a renewed certificate in just after the
	// renewal is counted).
	Certificates []CertStatus `json:"certificates"`
	// LastError is the last failure to obtain or renew, and when.
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
	// Records is the state of the published A/AAAA records (domain mode).
	Records RecordsStatus `json:"records"`
}

// CertStatus describes one certificate in use.
type CertStatus struct {
	Name      string    `json:"name"`
	Names     []string  `json:"names"`
	Issuer    string    `json:"issuer"`
	Serial    string    `json:"serial"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	// NextRenewal is when the certificate enters its renewal window.
	NextRenewal time.Time `json:"next_renewal"`
	// Obtained is when this process last obtained or renewed it (zero
	// for a certificate loaded from storage).
	Obtained time.Time `json:"obtained,omitzero"`
	Renewals int       `json:"renewals"`
}

// RecordsStatus is the state of the domain's A/AAAA records.
type RecordsStatus struct {
	// Addrs are the addresses last published, at PublishedAt.
	Addrs       []netip.Addr `json:"addrs,omitempty"`
	PublishedAt time.Time    `json:"published_at,omitzero"`
	// Pending are addresses not yet published (a failure is retried).
	Pending   []netip.Addr `json:"pending,omitempty"`
	LastError string       `json:"last_error,omitempty"`
}

// state is the manager's mutable status (guarded by Manager.mu).
type state struct {
	readyAfter time.Duration
	isReady    bool
	lastErr    string
	lastErrAt  time.Time
	known      []string // names seen obtained or loaded (lan mode)
	obtained   map[string]time.Time
	renewals   map[string]int
	records    RecordsStatus
}

// Changed is closed at the next change of Status (take it before reading
// Status to miss nothing).
func (m *Manager) Changed() <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.changed
}

// notify wakes the Changed waiters (caller holds mu).
func (m *Manager) notify() {
	close(m.changed)
	m.changed = make(chan struct{})
}

// Status reports the manager's certificates and errors.
func (m *Manager) Status() Status {
	m.mu.Lock()
	st := Status{
		Mode:        m.cfg.Mode,
		Domain:      m.cfg.Domain,
		Ready:       m.st.isReady || m.cfg.Mode == ModeLAN && m.magic != nil,
		ReadyAfter:  m.st.readyAfter,
		LastError:   m.st.lastErr,
		LastErrorAt: m.st.lastErrAt,
		Records:     m.st.records,
	}
	names := slices.Clone(m.names)
	for _, n := range m.st.known {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	obtained, renewals := m.st.obtained, m.st.renewals
	cache := m.cache
	ratio := m.cfg.RenewalWindowRatio
	var certs []CertStatus
	if cache != nil {
		for _, n := range names {
			for _, c := range cache.AllMatchingCertificates(n) {
				if c.Leaf == nil || !slices.Contains(c.Names, n) {
					continue // a wildcard matching n is listed under its own name
				}
				life := c.Leaf.NotAfter.Sub(c.Leaf.NotBefore)
				certs = append(certs, CertStatus{
					Name:        n,
					Names:       slices.Clone(c.Names),
					Issuer:      c.Leaf.Issuer.CommonName,
					Serial:      c.Leaf.SerialNumber.String(),
					NotBefore:   c.Leaf.NotBefore,
					NotAfter:    c.Leaf.NotAfter,
					NextRenewal: c.Leaf.NotAfter.Add(-time.Duration(float64(life) * ratio)),
					Obtained:    obtained[n],
					Renewals:    renewals[n],
				})
				break
			}
		}
	}
	m.mu.Unlock()
	st.Certificates = certs
	return st
}

// setReady records that the domain's certificates are served.
func (m *Manager) setReady() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.st.isReady {
		m.st.isReady = true
		m.st.readyAfter = time.Since(m.started)
		close(m.ready)
		m.log.Info("certificates ready", "names", m.names, "after", m.st.readyAfter)
	}
	m.notify()
}

// setError records a failure.
func (m *Manager) setError(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.st.lastErr = err.Error()
	m.st.lastErrAt = time.Now()
	m.notify()
}

// onEvent follows certmagic's events: obtained and renewed certificates,
// failures, certificates loaded from storage.
func (m *Manager) onEvent(_ context.Context, event string, data map[string]any) error {
	switch event {
	case "cert_obtained":
		name, _ := data["identifier"].(string)
		renewal, _ := data["renewal"].(bool)
		m.log.Info("certificate obtained", "name", name, "renewal", renewal, "issuer", data["issuer"])
		m.mu.Lock()
		if m.st.obtained == nil {
			m.st.obtained, m.st.renewals = map[string]time.Time{}, map[string]int{}
		}
		m.st.obtained[name] = time.Now()
		if renewal {
			m.st.renewals[name]++
		}
		m.addKnown(name)
		m.notify()
		m.mu.Unlock()
	case "cert_failed":
		name, _ := data["identifier"].(string)
		err, _ := data["error"].(error)
		renewal, _ := data["renewal"].(bool)
		m.log.Warn("certificate failed", "name", name, "renewal", renewal, "err", err)
		m.setError(fmt.Errorf("%s: %v", name, err))
	case "cached_managed_cert":
		sans, _ := data["sans"].([]string)
		m.mu.Lock()
		for _, n := range sans {
			m.addKnown(n)
		}
		m.notify()
		m.mu.Unlock()
	}
	return nil
}

// addKnown remembers a certificate name for Status (caller holds mu).
func (m *Manager) addKnown(name string) {
	name = strings.ToLower(name)
	if name != "" && !slices.Contains(m.st.known, name) {
		m.st.known = append(m.st.known, name)
	}
}
