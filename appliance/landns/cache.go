package landns

import (
	"container/list"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// cache keeps forwarded answers by question, least recently used first out.
type cache struct {
	mu     sync.Mutex
	max    int
	maxTTL time.Duration
	now    func() time.Time
	order  *list.List // of *entry, most recent at the front
	byKey  map[cacheKey]*list.Element
}

// cacheKey is what makes two questions the same: name (case-folded), type,
// class and whether DNSSEC records were asked for.
type cacheKey struct {
	name  string
	qtype uint16
	class uint16
	do    bool
}

// entry is one cached answer and when it was stored and expires.
type entry struct {
	key     cacheKey
	msg     *dns.Msg
	stored  time.Time
	expires time.Time
}

// newCache makes a cache of at most size answers, each kept at most maxTTL.
func newCache(size int, maxTTL time.Duration, now func() time.Time) *cache {
	return &cache{max: size, maxTTL: maxTTL, now: now, order: list.New(), byKey: map[cacheKey]*list.Element{}}
}

// keyOf makes the cache key of a request.
func keyOf(req *dns.Msg) cacheKey {
	q := req.Question[0]
	do := false
	if o := req.IsEdns0(); o != nil {
		do = o.Do()
	}
	return cacheKey{name: strings.ToLower(q.Name), qtype: q.Qtype, class: q.Qclass, do: do}
}

// get returns a copy of the cached answer with its TTLs counted down by the
// time spent in the cache, or nil when absent or expired.
func (c *cache) get(k cacheKey) *dns.Msg {
	if c.max <= 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[k]
	if !ok {
		return nil
	}
	e := el.Value.(*entry)
	now := c.now()
	if !now.Before(e.expires) {
		c.order.Remove(el)
		delete(c.byKey, k)
		return nil
	}
	c.order.MoveToFront(el)
	m := e.msg.Copy()
	age := uint32(now.Sub(e.stored) / time.Second)
	for _, rr := range allRecords(m) {
		h := rr.Header()
		if h.Rrtype == dns.TypeOPT {
			continue
		}
		h.Ttl -= min(age, h.Ttl)
	}
	return m
}

// put stores an upstream answer for as long as its records live: the
// smallest TTL of its records, the SOA minimum for negative answers, capped
// by maxTTL. Failures and answers with a zero TTL are not kept.
func (c *cache) put(k cacheKey, m *dns.Msg) {
	if c.max <= 0 || m.Truncated || (m.Rcode != dns.RcodeSuccess && m.Rcode != dns.RcodeNameError) {
		return
	}
	ttl, ok := cacheTTL(m)
	ttl = min(ttl, c.maxTTL)
	if !ok || ttl <= 0 {
		return
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[k]; ok {
		c.order.Remove(el)
	}
	c.byKey[k] = c.order.PushFront(&entry{key: k, msg: m.Copy(), stored: now, expires: now.Add(ttl)})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byKey, last.Value.(*entry).key)
	}
}

// len is the number of answers kept (expired ones included until touched).
func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

// cacheTTL is how long m may be kept; ok is false when m says nothing
// cacheable (no records and no SOA).
func cacheTTL(m *dns.Msg) (time.Duration, bool) {
	var ttl uint32
	found := false
	take := func(t uint32) {
		if !found || t < ttl {
			ttl = t
		}
		found = true
	}
	if len(m.Answer) == 0 {
		// Negative answer (RFC 2308 §5): the SOA's TTL, at most its minimum.
		for _, rr := range m.Ns {
			if soa, ok := rr.(*dns.SOA); ok {
				take(min(soa.Hdr.Ttl, soa.Minttl))
			}
		}
		return time.Duration(ttl) * time.Second, found
	}
	for _, rr := range allRecords(m) {
		if rr.Header().Rrtype != dns.TypeOPT {
			take(rr.Header().Ttl)
		}
	}
	return time.Duration(ttl) * time.Second, found
}

// allRecords lists the records of every section.
func allRecords(m *dns.Msg) []dns.RR {
	out := make([]dns.RR, 0, len(m.Answer)+len(m.Ns)+len(m.Extra))
	out = append(out, m.Answer...)
	out = append(out, m.Ns...)
	return append(out, m.Extra...)
}
