package mdns

import (
	"strings"

	"github.com/miekg/dns"
)

// maxPacket bounds the messages the responder multicasts: one Ethernet
// frame less the IPv6 and UDP headers, so that nothing is fragmented. RFC
// 6762 §17 allows up to 9000 octets, but receivers (this responder, avahi)
// read no more than that, and a box with 20 instances of 10 apps announces
// some 27 kB of records at once.
const maxPacket = 1500 - 40 - 8

// split cuts m into messages of at most limit octets (compressed), keeping
// together what belongs to one name: in a query, a question with the
// records proposed for it in the authority section (the tie-break compares
// them per name); in a response, the answer and additional records of one
// owner name. A single name's group larger than limit goes alone.
func split(m *dns.Msg, limit int) []*dns.Msg {
	m.Compress = true
	if m.Len() <= limit {
		return []*dns.Msg{m}
	}
	type group struct {
		question       []dns.Question
		answer, ns, ex []dns.RR
	}
	var order []string
	groups := map[string]*group{}
	get := func(name string) *group {
		k := strings.ToLower(name)
		g := groups[k]
		if g == nil {
			g = &group{}
			groups[k] = g
			order = append(order, k)
		}
		return g
	}
	for _, q := range m.Question {
		g := get(q.Name)
		g.question = append(g.question, q)
	}
	for _, rr := range m.Answer {
		g := get(rr.Header().Name)
		g.answer = append(g.answer, rr)
	}
	for _, rr := range m.Ns {
		g := get(rr.Header().Name)
		g.ns = append(g.ns, rr)
	}
	for _, rr := range m.Extra {
		g := get(rr.Header().Name)
		g.ex = append(g.ex, rr)
	}
	empty := func() *dns.Msg {
		n := new(dns.Msg)
		n.MsgHdr = m.MsgHdr
		n.Compress = true
		return n
	}
	var out []*dns.Msg
	cur := empty()
	for _, k := range order {
		g := groups[k]
		nq, na, nn, ne := len(cur.Question), len(cur.Answer), len(cur.Ns), len(cur.Extra)
		cur.Question = append(cur.Question, g.question...)
		cur.Answer = append(cur.Answer, g.answer...)
		cur.Ns = append(cur.Ns, g.ns...)
		cur.Extra = append(cur.Extra, g.ex...)
		if cur.Len() <= limit || nq+na+nn+ne == 0 {
			continue
		}
		// Over the limit: the message goes without this group, which
		// starts the next one.
		cur.Question, cur.Answer, cur.Ns, cur.Extra = cur.Question[:nq], cur.Answer[:na], cur.Ns[:nn], cur.Extra[:ne]
		out = append(out, cur)
		cur = empty()
		cur.Question = append(cur.Question, g.question...)
		cur.Answer = append(cur.Answer, g.answer...)
		cur.Ns = append(cur.Ns, g.ns...)
		cur.Extra = append(cur.Extra, g.ex...)
	}
	return append(out, cur)
}
