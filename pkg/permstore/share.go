package permstore

import (
	"context"
	"crypto/subtle"
	"fmt"
	"strings"
	"time"

	"github.com/cozypi/cozy/pkg/ident"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/token"
)

// MaxCodes bounds the codes of one share.
const MaxCodes = 64

// TinyTTL is the longest life of a share whose shortcodes may be 6 digits:
// a code that short is only safe for a short while.
const TinyTTL = time.Hour

// codeSep separates, in a code's subject, the id of the share it was
// issued for from the code's own random part.
const codeSep = ":"

// ShareRequest is what a new share-by-link permission is made of.
type ShareRequest struct {
	// Creator is the permission of the token asking: a share only hands
	// out what its creator holds.
	Creator *permission.Permission
	Rules   permission.Set
	// SourceID names who shares; only a CLI creator (the owner) may name
	// one, other creators share under their own source.
	SourceID string
	// TTL, when positive, ends the share that long from now.
	TTL time.Duration
	// ExpiresAt, when set, ends the share then (it wins over TTL).
	ExpiresAt *time.Time
	// Codes are the names of the recipients, one code each.
	Codes []string
	// Tiny asks for 6-digit shortcodes (TTL of at most TinyTTL).
	Tiny bool
}

// CreateShare stores a new share-by-link permission with one code and one
// shortcode per code name.
func (s *Store) CreateShare(ctx context.Context, inst *instance.Instance, req ShareRequest) (*permission.Permission, error) {
	if IsShare(req.Creator.Type) {
		return nil, fmt.Errorf("%w: a share token cannot create shares", permission.ErrForbidden)
	}
	if len(req.Rules) == 0 {
		return nil, fmt.Errorf("%w: a share needs at least one complete rule", ErrInvalid)
	}
	if err := Covers(req.Creator.Rules, req.Rules); err != nil {
		return nil, err
	}
	if req.Tiny && (req.TTL <= 0 || req.TTL > TinyTTL) {
		return nil, fmt.Errorf("%w: tinycode needs a ttl of at most 1h", ErrInvalid)
	}
	if len(req.Codes) > MaxCodes {
		return nil, fmt.Errorf("%w: at most %d codes", ErrInvalid, MaxCodes)
	}
	source := req.Creator.SourceID
	if req.Creator.Type == permission.TypeCLI {
		source = req.SourceID
	}
	// The id is chosen before the codes, which name it.
	p := &permission.Permission{ID: ident.DocID(), Type: permission.TypeShareByLink, SourceID: source, Rules: req.Rules}
	if req.TTL > 0 {
		exp := s.now().Add(req.TTL).UTC().Truncate(time.Second)
		p.ExpiresAt = &exp
	}
	if req.ExpiresAt != nil {
		p.ExpiresAt = req.ExpiresAt
	}
	if err := s.issueCodes(ctx, inst, p, req.Codes, req.Tiny); err != nil {
		return nil, err
	}
	if err := s.Put(ctx, inst, p); err != nil {
		return nil, err
	}
	return p, nil
}

// issueCodes gives p one code and one shortcode per name. A code is a
// share token whose subject is p's id and a random part: no two codes are
// alike, even for the same name in the same second, and each names the one
// share it opens. The code's life is the share's (expires_at may be
// patched), so the token itself has no expiry.
func (s *Store) issueCodes(ctx context.Context, inst *instance.Instance, p *permission.Permission, names []string, tiny bool) error {
	if len(names) == 0 {
		return nil
	}
	taken, err := s.shortcodesInUse(ctx, inst)
	if err != nil {
		return err
	}
	p.Codes, p.ShortCodes = map[string]string{}, map[string]string{}
	for _, name := range names {
		name = strings.TrimSpace(name)
		if name == "" {
			return fmt.Errorf("%w: empty code name", ErrInvalid)
		}
		code, err := inst.IssueClaims(token.Claims{Audience: token.Share, Subject: p.ID + codeSep + ident.Token(16), IssuedAt: s.now().Unix()})
		if err != nil {
			return fmt.Errorf("permstore: issue code: %w", err)
		}
		p.Codes[name] = code
		short := shortcode(tiny)
		for taken[short] { // 6 digits may meet another share's
			short = shortcode(tiny)
		}
		taken[short] = true
		p.ShortCodes[name] = short
	}
	return nil
}

// shortcodesInUse lists the shortcodes of the stored shares.
func (s *Store) shortcodesInUse(ctx context.Context, inst *instance.Instance) (map[string]bool, error) {
	all, err := s.List(ctx, inst, shareTypes...)
	if err != nil {
		return nil, err
	}
	taken := map[string]bool{}
	for _, p := range all {
		for _, c := range p.ShortCodes {
			taken[c] = true
		}
	}
	return taken, nil
}

const shortAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// shortcode is 12 random letters and digits, or 6 digits when tiny.
func shortcode(tiny bool) string {
	if tiny {
		return ident.Code(6, "0123456789")
	}
	return ident.Code(12, shortAlphabet)
}

// ByCode returns the share permission a code was issued for. The code must
// be a share token of the instance naming a stored share, that share must
// still list this very code (a patch may revoke it), and it must not have
// expired (token.ErrExpired). Codes that do not name their share (made
// before codes were bound to one) are refused: found by their text alone,
// they could open another share that happened to get the same text.
func (s *Store) ByCode(ctx context.Context, inst *instance.Instance, code string) (*permission.Permission, error) {
	now := s.now()
	claims, err := inst.ParseToken(code, now, token.Share)
	if err != nil {
		return nil, fmt.Errorf("%w: share code: %w", ErrNotFound, err)
	}
	id, _, ok := strings.Cut(claims.Subject, codeSep)
	if !ok || id == "" {
		return nil, fmt.Errorf("%w: the code names no share", ErrNotFound)
	}
	p, err := s.Get(ctx, inst, id)
	if err != nil {
		return nil, err
	}
	if !IsShare(p.Type) || !holds(p.Codes, code) {
		return nil, fmt.Errorf("%w: share %s does not hold this code", ErrNotFound, id)
	}
	if p.Expired(now) {
		return nil, fmt.Errorf("%w: share %s", token.ErrExpired, id)
	}
	return p, nil
}

// holds tells whether codes lists code, in constant time for each.
func holds(codes map[string]string, code string) bool {
	found := false
	for _, c := range codes {
		if subtle.ConstantTimeCompare([]byte(c), []byte(code)) == 1 {
			found = true
		}
	}
	return found
}

// LiveShares returns the share permissions of the instance that have not
// expired, sorted by id.
func (s *Store) LiveShares(ctx context.Context, inst *instance.Instance) ([]*permission.Permission, error) {
	all, err := s.List(ctx, inst, shareTypes...)
	if err != nil {
		return nil, err
	}
	now := s.now()
	live := all[:0]
	for _, p := range all {
		if !p.Expired(now) {
			live = append(live, p)
		}
	}
	return live, nil
}

// shareTypes are the share-by-link kinds.
var shareTypes = []permission.Type{permission.TypeShareByLink, permission.TypeSharePreview, permission.TypeShareInteract}
