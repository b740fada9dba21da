package session

import (
	"crypto/subtle"
	"sync"
	"time"

	"github.com/cozypi/cozy/pkg/ident"
)

// CodeLifetime is how long a session code can be exchanged.
const CodeLifetime = time.Minute

// maxCodes bounds the codes held at once; a flood of requests cannot grow
// memory without end (the oldest code is forgotten first).
const maxCodes = 10_000

// Codes holds session codes: single-use, short-lived secrets that open a
// session where they are presented (a webview, an app's sub-domain),
// upstream's session_code. They live in memory: a restart forgets them,
// which only means asking for a new one.
type Codes struct {
	now func() time.Time

	mu    sync.Mutex
	codes map[string]codeEntry // code -> instance id and expiry
	order []string             // issue order, to forget the oldest
}

type codeEntry struct {
	instanceID string
	sessionID  string // the session handed over, or "" for a new one
	scope      string // the app slug it is for, or "" for any page
	expires    time.Time
}

// NewCodes returns an empty code store; now may be nil for time.Now.
func NewCodes(now func() time.Time) *Codes {
	if now == nil {
		now = time.Now
	}
	return &Codes{now: now, codes: map[string]codeEntry{}}
}

// Issue returns a new code for the instance. sessionID names an existing
// session to hand over (an app's sub-domain then shares the login), or ""
// for a code that opens a new session. scope restricts the code to one
// app's sub-domain; "" lets any page of the instance take it.
func (cs *Codes) Issue(instanceID, sessionID, scope string) string {
	code := ident.Hex(16)
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.prune()
	if len(cs.codes) >= maxCodes {
		delete(cs.codes, cs.order[0])
		cs.order = cs.order[1:]
	}
	cs.codes[code] = codeEntry{instanceID: instanceID, sessionID: sessionID, scope: scope, expires: cs.now().Add(CodeLifetime)}
	cs.order = append(cs.order, code)
	return code
}

// Consume checks that code is a live code of the instance, valid where it
// is presented (scope: the app slug, or "" on the instance's own pages),
// and makes it unusable from then on, whatever the answer. It returns the
// session to hand over ("" for a new one).
func (cs *Codes) Consume(instanceID, scope, code string) (sessionID string, ok bool) {
	if code == "" || len(code) > 64 {
		return "", false
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	e, found := cs.codes[code]
	if !found {
		return "", false
	}
	delete(cs.codes, code)
	if subtle.ConstantTimeCompare([]byte(e.instanceID), []byte(instanceID)) != 1 || !cs.now().Before(e.expires) {
		return "", false
	}
	if e.scope != "" && e.scope != scope {
		return "", false
	}
	return e.sessionID, true
}

// prune forgets expired codes from the front of the issue order.
func (cs *Codes) prune() {
	now := cs.now()
	i := 0
	for ; i < len(cs.order); i++ {
		e, ok := cs.codes[cs.order[i]]
		if ok && now.Before(e.expires) {
			break
		}
		delete(cs.codes, cs.order[i])
	}
	cs.order = cs.order[i:]
}
