package permstore

import (
	"errors"
	"fmt"
	"time"
)

// maxTTL bounds a share's life (ten years).
const maxTTL = 10 * 365 * 24 * time.Hour

// ParseTTL reads a duration in the "bigduration" form upstream accepts:
// numbers each followed by a unit, Y (365 days), M (30 days), W, D, h, m
// or s, e.g. "1D", "2W3D", "1h30m".
func ParseTTL(s string) (time.Duration, error) {
	if s == "" {
		return 0, errors.New("empty ttl")
	}
	var total time.Duration
	n, digits := int64(0), 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			n = n*10 + int64(c-'0')
			digits++
			if digits > 6 {
				return 0, fmt.Errorf("ttl %q: number too large", s)
			}
			continue
		}
		if digits == 0 {
			return 0, fmt.Errorf("ttl %q: a unit must follow a number", s)
		}
		var unit time.Duration
		switch c {
		case 'Y':
			unit = 365 * 24 * time.Hour
		case 'M':
			unit = 30 * 24 * time.Hour
		case 'W':
			unit = 7 * 24 * time.Hour
		case 'D':
			unit = 24 * time.Hour
		case 'h':
			unit = time.Hour
		case 'm':
			unit = time.Minute
		case 's':
			unit = time.Second
		default:
			return 0, fmt.Errorf("ttl %q: unknown unit %q", s, c)
		}
		total += time.Duration(n) * unit
		if total > maxTTL {
			return 0, fmt.Errorf("ttl %q: longer than ten years", s)
		}
		n, digits = 0, 0
	}
	if digits > 0 {
		return 0, fmt.Errorf("ttl %q: number without a unit", s)
	}
	if total <= 0 {
		return 0, fmt.Errorf("ttl %q: must be positive", s)
	}
	return total, nil
}
