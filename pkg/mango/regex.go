package mango

import (
	"time"

	"github.com/dlclark/regexp2/v2"
)

// RegexTimeout bounds the match of one $regex against one value. CouchDB
// runs PCRE, whose backtracking can take exponential time on some
// patterns; a value whose match does not end in time counts as not
// matching, so that a hostile pattern costs at most this per document.
const RegexTimeout = 50 * time.Millisecond

// maxRegexLen bounds the pattern of a $regex.
const maxRegexLen = 4096

// compileRegex compiles a $regex pattern with PCRE-like semantics, as
// CouchDB (Erlang's re, PCRE) has them: lookaround and backreferences
// work, "^(?!/.cozy_trash)" included, which Go's RE2 refuses. regexp2
// follows .NET's syntax, which agrees with PCRE on the constructs
// selectors use (anchors, classes, groups, lookaround, lazy quantifiers).
func compileRegex(s string) (*regexp2.Regexp, error) {
	if len(s) > maxRegexLen {
		return nil, badf("$regex is longer than %d bytes", maxRegexLen)
	}
	re, err := regexp2.Compile(s)
	if err != nil {
		return nil, badf("$regex %q is not a valid regular expression: %v", s, err)
	}
	re.MatchTimeout = RegexTimeout
	return re, nil
}

// matchRegex reports whether s matches re; a timeout is no match.
func matchRegex(re *regexp2.Regexp, s string) bool {
	ok, err := re.MatchString(s)
	return err == nil && ok
}
