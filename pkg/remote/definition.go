package remote

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// MaxDefinitionSize is the largest request file ParseRequest accepts.
const MaxDefinitionSize = 64 << 10

// Definition is a parsed remote doctype request: the verb, a URL template
// whose scheme and host are fixed, header templates and a body template.
type Definition struct {
	// Doctype is the remote doctype name; set by Registry, empty when the
	// definition comes straight from ParseRequest.
	Doctype string
	// Verb is GET or POST.
	Verb string
	// RawURL is the URL template as written in the file.
	RawURL string

	scheme   string // "http" or "https"
	hostPort string // host[:port] as written, no variables
	port     string // explicit port, or empty
	path     tmpl
	query    tmpl
	hasQuery bool
	headers  []header
	body     tmpl
}

type header struct {
	name  string // canonical form
	value tmpl
}

// forbiddenHeaders are set by the HTTP client or would let a definition
// change the framing or destination of the request.
var forbiddenHeaders = []string{
	"Host", "Content-Length", "Transfer-Encoding", "Connection", "Upgrade",
	"Te", "Trailer", "Keep-Alive", "Proxy-Connection", "Proxy-Authorization",
}

// ParseRequest reads a request definition: "VERB URL" on the first line
// (an optional trailing "HTTP/1.1" is ignored), then "Name: value" header
// lines, then a blank line and the body template for POST. Variables
// {{name}} may appear in the URL path and query, in header values and in the
// body; the body also accepts {{json name}}, {{html name}}, {{query name}}
// and {{path name}}. The scheme must be http or https and the host cannot
// hold a variable. Trailing line breaks of the body are dropped.
func ParseRequest(r io.Reader) (*Definition, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxDefinitionSize+1))
	if err != nil {
		return nil, fmt.Errorf("remote: read request definition: %w", err)
	}
	if len(data) > MaxDefinitionSize {
		return nil, fmt.Errorf("%w: definition larger than %d bytes", ErrInvalidDefinition, MaxDefinitionSize)
	}
	def, err := parseDefinition(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidDefinition, err)
	}
	return def, nil
}

func parseDefinition(data []byte) (*Definition, error) {
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), MaxDefinitionSize+1)

	// First non-empty line: verb and URL.
	var first string
	consumed := 0
	for sc.Scan() {
		consumed += len(sc.Bytes()) + 1
		if line := strings.TrimSpace(sc.Text()); line != "" {
			first = line
			break
		}
	}
	if first == "" {
		return nil, fmt.Errorf("empty definition")
	}
	def := &Definition{}
	if err := def.parseFirstLine(first); err != nil {
		return nil, err
	}

	// Header lines up to a blank line.
	inBody := false
	for !inBody && sc.Scan() {
		consumed += len(sc.Bytes()) + 1
		line := strings.TrimRight(sc.Text(), " \t")
		if line == "" {
			inBody = true
			break
		}
		if err := def.parseHeader(line); err != nil {
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read definition: %w", err)
	}

	if inBody && consumed < len(data) {
		body := strings.TrimRight(string(data[consumed:]), "\n")
		if strings.TrimSpace(body) != "" {
			if def.Verb != http.MethodPost {
				return nil, fmt.Errorf("a body is only allowed for POST")
			}
			t, err := parseTemplate(body, true)
			if err != nil {
				return nil, fmt.Errorf("body: %w", err)
			}
			def.body = t
		}
	}
	return def, nil
}

func (d *Definition) parseFirstLine(line string) error {
	// The URL may hold spaces inside placeholders ({{ lang }}), so only the
	// verb and an optional trailing protocol version are split off.
	verb, rawURL, ok := strings.Cut(line, " ")
	rawURL = strings.TrimSpace(rawURL)
	if i := strings.LastIndexAny(rawURL, " \t"); i >= 0 && strings.HasPrefix(rawURL[i+1:], "HTTP/") {
		rawURL = strings.TrimSpace(rawURL[:i])
	}
	if !ok || rawURL == "" {
		return fmt.Errorf("first line must be \"VERB URL\", got %q", abbreviate(line))
	}
	switch verb {
	case http.MethodGet, http.MethodPost:
		d.Verb = verb
	default:
		return fmt.Errorf("verb %q not supported (GET or POST)", abbreviate(verb))
	}
	return d.parseURL(rawURL)
}

func (d *Definition) parseURL(raw string) error {
	d.RawURL = raw
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return fmt.Errorf("URL %q is not absolute", abbreviate(raw))
	}
	d.scheme = strings.ToLower(scheme)
	if d.scheme != "http" && d.scheme != "https" {
		return fmt.Errorf("URL scheme %q not supported (http or https)", scheme)
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	d.hostPort, rest = rest[:end], rest[end:]
	if strings.Contains(d.hostPort, "{{") {
		return fmt.Errorf("the host of the URL cannot hold a variable")
	}
	if strings.Contains(d.hostPort, "@") {
		return fmt.Errorf("the URL cannot hold user information")
	}
	u, err := url.Parse(d.scheme + "://" + d.hostPort + "/")
	if err != nil || u.Hostname() == "" {
		return fmt.Errorf("invalid host %q", abbreviate(d.hostPort))
	}
	d.port = u.Port()
	if strings.Contains(rest, "#") {
		return fmt.Errorf("the URL cannot hold a fragment")
	}
	rawPath, rawQuery, hasQuery := strings.Cut(rest, "?")
	if d.path, err = parseTemplate(rawPath, false); err != nil {
		return fmt.Errorf("URL path: %w", err)
	}
	if d.query, err = parseTemplate(rawQuery, false); err != nil {
		return fmt.Errorf("URL query: %w", err)
	}
	d.hasQuery = hasQuery
	for _, seg := range append(slices.Clone(d.path), d.query...) {
		if strings.ContainsFunc(seg.lit, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			return fmt.Errorf("the URL holds a space or control character outside placeholders")
		}
	}
	// The static parts must form a valid URL whatever the variables hold.
	probe := func(string) (string, error) { return "x", nil }
	if _, err := d.buildURL(probe); err != nil {
		return err
	}
	return nil
}

func (d *Definition) parseHeader(line string) error {
	name, value, ok := strings.Cut(line, ":")
	if !ok {
		return fmt.Errorf("header line %q has no colon", abbreviate(line))
	}
	name = strings.TrimSpace(name)
	if !validHeaderName(name) {
		return fmt.Errorf("invalid header name %q", abbreviate(name))
	}
	name = http.CanonicalHeaderKey(name)
	if slices.Contains(forbiddenHeaders, name) {
		return fmt.Errorf("header %s cannot be set by a definition", name)
	}
	t, err := parseTemplate(strings.TrimSpace(value), false)
	if err != nil {
		return fmt.Errorf("header %s: %w", name, err)
	}
	d.headers = append(d.headers, header{name: name, value: t})
	return nil
}

// validHeaderName checks an RFC 9110 token.
func validHeaderName(n string) bool {
	if n == "" {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// buildURL renders the URL with get supplying variable values.
func (d *Definition) buildURL(get func(string) (string, error)) (*url.URL, error) {
	p, err := d.path.render(get, escapePathSegment)
	if err != nil {
		return nil, err
	}
	q, err := d.query.render(get, escapeQueryValue)
	if err != nil {
		return nil, err
	}
	s := d.scheme + "://" + d.hostPort + p
	if d.hasQuery {
		s += "?" + q
	}
	u, err := url.Parse(s)
	if err != nil {
		// Report the cause only: the URL itself may hold secrets.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("%w: invalid URL: %w", ErrInvalidDefinition, err)
	}
	return u, nil
}

// Variables returns the variable names the definition uses, sorted and
// without duplicates, secret_* ones included.
func (d *Definition) Variables() []string {
	var names []string
	names = d.path.vars(names)
	names = d.query.vars(names)
	for _, h := range d.headers {
		names = h.value.vars(names)
	}
	names = d.body.vars(names)
	slices.Sort(names)
	return slices.Compact(names)
}

// SecretNames returns the secret keys the definition uses: "token" for
// {{secret_token}}.
func (d *Definition) SecretNames() []string {
	var out []string
	for _, n := range d.Variables() {
		if k, ok := strings.CutPrefix(n, SecretPrefix); ok && k != "" {
			out = append(out, k)
		}
	}
	return out
}

// Port returns the port the URL names explicitly, or "" for the default.
func (d *Definition) Port() string { return d.port }

// Host returns the host name of the URL, without port.
func (d *Definition) Host() string {
	h, _, err := net.SplitHostPort(d.hostPort)
	if err != nil {
		return strings.Trim(d.hostPort, "[]")
	}
	return h
}

// HasBody reports whether the definition has a body template.
func (d *Definition) HasBody() bool { return len(d.body) > 0 }
