package landns

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/miekg/dns"
)

// upstreamUDPSize is the EDNS buffer size we advertise upstream (the DNS
// flag day 2020 value, safe from fragmentation).
const upstreamUDPSize = 1232

// forwarder asks the upstream resolvers in turn, over UDP first and again
// over TCP when the UDP answer is truncated.
type forwarder struct {
	upstreams []string
	udp, tcp  *dns.Client
}

// newForwarder makes a forwarder to upstreams ("host:port"), each try bounded
// by timeout.
func newForwarder(upstreams []string, timeout time.Duration) *forwarder {
	return &forwarder{
		upstreams: upstreams,
		udp:       &dns.Client{Net: "udp", Timeout: timeout, UDPSize: upstreamUDPSize},
		tcp:       &dns.Client{Net: "tcp", Timeout: timeout},
	}
}

// query builds the question we send upstream for req: a fresh ID, recursion
// desired, our EDNS size and the client's DO bit.
func upstreamQuery(req *dns.Msg) *dns.Msg {
	q := req.Question[0]
	m := new(dns.Msg)
	m.SetQuestion(q.Name, q.Qtype)
	m.Question[0].Qclass = q.Qclass
	m.RecursionDesired = true
	m.CheckingDisabled = req.CheckingDisabled
	do := false
	if o := req.IsEdns0(); o != nil {
		do = o.Do()
	}
	m.SetEdns0(upstreamUDPSize, do)
	return m
}

// exchange returns the first upstream answer that is not SERVFAIL or REFUSED,
// else the last one, else the errors.
func (f *forwarder) exchange(ctx context.Context, req *dns.Msg) (*dns.Msg, error) {
	var errs []error
	var last *dns.Msg
	for _, up := range f.upstreams {
		q := upstreamQuery(req)
		resp, _, err := f.udp.ExchangeContext(ctx, q, up)
		if err == nil && resp.Truncated {
			resp, _, err = f.tcp.ExchangeContext(ctx, q, up)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("landns: upstream %s: %w", up, err))
			if ctx.Err() != nil {
				break
			}
			continue
		}
		last = resp
		if resp.Rcode != dns.RcodeServerFailure && resp.Rcode != dns.RcodeRefused {
			return resp, nil
		}
	}
	if last != nil {
		return last, nil
	}
	if len(errs) == 0 {
		errs = append(errs, errors.New("landns: no upstream resolver"))
	}
	return nil, errors.Join(errs...)
}
