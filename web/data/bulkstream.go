package data

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/web/request"
)

// A _bulk_docs body larger than the JSON limit is streamed: PouchDB
// pushes up to 100 documents per request with their attachments inline
// in base64, so a batch of photos easily outgrows any bound on JSON. The
// streaming reader copies each document without the "data" of its
// attachments, which it decodes from the body straight into staged
// contents (store.DB.StageAttachment), as multipart "follows" ones. What
// is held is bounded by the JSON limit (the documents without their
// attachment data) and MaxBulkDocs; the body as a whole by the attachment
// limit.

// streamedBulk is a _bulk_docs read by readBulkStream.
type streamedBulk struct {
	docs     []json.RawMessage
	staged   []map[string]store.Staged
	hasDocs  bool
	newEdits *bool
	releases []func()
}

// release releases the staged contents (once the write is over).
func (b *streamedBulk) release() {
	for _, r := range b.releases {
		r()
	}
}

// bulkScanner reads JSON from a stream, copying what it reads into out
// when out is not nil.
type bulkScanner struct {
	r     *bufio.Reader
	out   *bytes.Buffer
	held  int64 // bytes of documents held
	limit int64 // bound of held
	depth int   // nesting of the value being read
}

// maxDepth bounds the nesting of values (encoding/json's bound): the
// reader recurses, and a body of brackets alone holds nothing.
const maxDepth = 10000

var errSyntax = errors.New("invalid JSON")

func (s *bulkScanner) next() (byte, error) {
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return 0, fmt.Errorf("%w: unexpected end", errSyntax)
			}
			return 0, err
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return c, nil
	}
}

func (s *bulkScanner) emit(b ...byte) error {
	if s.out == nil {
		return nil
	}
	s.held += int64(len(b))
	if s.held > s.limit {
		return request.TooLarge(s.limit)
	}
	s.out.Write(b)
	return nil
}

func (s *bulkScanner) expect(want byte) error {
	c, err := s.next()
	if err != nil {
		return err
	}
	if c != want {
		return fmt.Errorf("%w: expected %q, got %q", errSyntax, want, c)
	}
	return s.emit(c)
}

// str reads a string whose opening quote was read, copying it (quotes
// included) and returning its decoded value (bounded by the limit).
func (s *bulkScanner) str() (string, error) {
	var raw bytes.Buffer
	raw.WriteByte('"')
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return "", fmt.Errorf("%w: unterminated string", errSyntax)
		}
		raw.WriteByte(c)
		if int64(raw.Len()) > s.limit {
			return "", request.TooLarge(s.limit)
		}
		if c == '\\' {
			e, err := s.r.ReadByte()
			if err != nil {
				return "", fmt.Errorf("%w: unterminated string", errSyntax)
			}
			raw.WriteByte(e)
			continue
		}
		if c == '"' {
			break
		}
	}
	var v string
	if err := json.Unmarshal(raw.Bytes(), &v); err != nil {
		return "", fmt.Errorf("%w: %v", errSyntax, err)
	}
	if err := request.CheckText(raw.Bytes()); err != nil {
		return "", err
	}
	return v, s.emit(raw.Bytes()...)
}

// value copies one JSON value whose first byte is c.
func (s *bulkScanner) value(c byte) error {
	switch {
	case c == '"':
		_, err := s.str()
		return err
	case c == '{' || c == '[':
		if s.depth++; s.depth > maxDepth {
			return fmt.Errorf("%w: exceeded max depth", errSyntax)
		}
		defer func() { s.depth-- }()
		close := byte('}')
		if c == '[' {
			close = ']'
		}
		if err := s.emit(c); err != nil {
			return err
		}
		first := true
		for {
			c, err := s.next()
			if err != nil {
				return err
			}
			if c == close && first {
				return s.emit(c)
			}
			if !first {
				if c == close {
					return s.emit(c)
				}
				if c != ',' {
					return fmt.Errorf("%w: expected ','", errSyntax)
				}
				if err := s.emit(c); err != nil {
					return err
				}
				if c, err = s.next(); err != nil {
					return err
				}
			}
			first = false
			if close == '}' {
				if c != '"' {
					return fmt.Errorf("%w: expected a member name", errSyntax)
				}
				if _, err := s.str(); err != nil {
					return err
				}
				if err := s.expect(':'); err != nil {
					return err
				}
				if c, err = s.next(); err != nil {
					return err
				}
			}
			if err := s.value(c); err != nil {
				return err
			}
		}
	default: // number or literal
		if err := s.emit(c); err != nil {
			return err
		}
		for {
			b, err := s.r.Peek(1)
			if err != nil || !(b[0] == '-' || b[0] == '+' || b[0] == '.' || b[0] >= '0' && b[0] <= '9' || b[0] >= 'a' && b[0] <= 'z' || b[0] == 'E') {
				return nil
			}
			s.r.ReadByte()
			if err := s.emit(b[0]); err != nil {
				return err
			}
		}
	}
}

// members reads the members of an object whose '{' was read and copied,
// calling member with each name (already copied, with its ':'); member
// reads the value.
func (s *bulkScanner) members(member func(name string) error) error {
	first := true
	for {
		c, err := s.next()
		if err != nil {
			return err
		}
		if c == '}' {
			return s.emit(c)
		}
		if !first {
			if c != ',' {
				return fmt.Errorf("%w: expected ','", errSyntax)
			}
			if err := s.emit(c); err != nil {
				return err
			}
			if c, err = s.next(); err != nil {
				return err
			}
		}
		first = false
		if c != '"' {
			return fmt.Errorf("%w: expected a member name", errSyntax)
		}
		name, err := s.str()
		if err != nil {
			return err
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		if err := member(name); err != nil {
			return err
		}
	}
}

// stringReader yields the content of a JSON string being read (after its
// opening quote) up to its closing quote, unescaping "\/" and skipping
// escaped line breaks: what base64 text may hold.
type stringReader struct {
	r    *bufio.Reader
	done bool
}

func (sr *stringReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && !sr.done {
		c, err := sr.r.ReadByte()
		if err != nil {
			return n, fmt.Errorf("%w: unterminated string", errSyntax)
		}
		switch c {
		case '"':
			sr.done = true
		case '\\':
			e, err := sr.r.ReadByte()
			if err != nil {
				return n, fmt.Errorf("%w: unterminated string", errSyntax)
			}
			switch e {
			case '/':
				p[n] = '/'
				n++
			case 'n', 'r':
			default:
				return n, fmt.Errorf("%w: unexpected escape in attachment data", errSyntax)
			}
		default:
			p[n] = c
			n++
		}
	}
	if n == 0 && sr.done {
		return 0, io.EOF
	}
	return n, nil
}

// readBulkStream reads a _bulk_docs body from r, staging attachment data
// in db. On error, the caller still calls release.
func readBulkStream(ctx context.Context, db store.DB, r io.Reader, limit int64) (*streamedBulk, error) {
	out := &streamedBulk{}
	s := &bulkScanner{r: bufio.NewReaderSize(r, 64<<10), limit: limit}
	if err := s.expect('{'); err != nil {
		return out, err
	}
	err := s.members(func(name string) error {
		switch name {
		case "docs":
			if out.hasDocs {
				return store.BadRequest("invalid JSON body: docs given twice")
			}
			out.hasDocs = true
			return s.docs(ctx, db, out)
		case "new_edits":
			var buf bytes.Buffer
			s.out = &buf
			c, err := s.next()
			if err == nil {
				err = s.value(c)
			}
			s.out = nil
			if err != nil {
				return err
			}
			var b bool
			if err := json.Unmarshal(buf.Bytes(), &b); err != nil {
				return store.BadRequest("new_edits must be a boolean")
			}
			out.newEdits = &b
			return nil
		default:
			c, err := s.next()
			if err != nil {
				return err
			}
			return s.value(c)
		}
	})
	if err != nil {
		return out, err
	}
	if _, err := s.next(); err == nil {
		return out, store.BadRequest("invalid JSON body: trailing data")
	}
	return out, nil
}

// docs reads the docs array.
func (s *bulkScanner) docs(ctx context.Context, db store.DB, out *streamedBulk) error {
	if c, err := s.next(); err != nil || c != '[' {
		return fmt.Errorf("%w: docs must be an array", errSyntax)
	}
	first := true
	for {
		c, err := s.next()
		if err != nil {
			return err
		}
		if c == ']' {
			return nil
		}
		if !first {
			if c != ',' {
				return fmt.Errorf("%w: expected ','", errSyntax)
			}
			if c, err = s.next(); err != nil {
				return err
			}
		}
		first = false
		if len(out.docs) == MaxBulkDocs {
			return tooMany("max_bulk_docs_count_exceeded", MaxBulkDocs)
		}
		if c != '{' {
			return store.BadRequest("Document must be a JSON object")
		}
		var buf bytes.Buffer
		s.out = &buf
		staged := map[string]store.Staged{}
		if err := s.emit('{'); err != nil {
			return err
		}
		err = s.members(func(name string) error {
			c, err := s.next()
			if err != nil {
				return err
			}
			if name != "_attachments" || c != '{' {
				return s.value(c)
			}
			return s.attachments(ctx, db, staged, out)
		})
		s.out = nil
		if err != nil {
			return err
		}
		out.docs = append(out.docs, buf.Bytes())
		out.staged = append(out.staged, staged)
	}
}

// attachments reads an "_attachments" object whose '{' was read: the data
// of each entry is staged, and the entry marked {"follows": true}.
func (s *bulkScanner) attachments(ctx context.Context, db store.DB, staged map[string]store.Staged, out *streamedBulk) error {
	if err := s.emit('{'); err != nil {
		return err
	}
	return s.members(func(att string) error {
		c, err := s.next()
		if err != nil {
			return err
		}
		if c != '{' {
			return s.value(c)
		}
		if err := s.emit('{'); err != nil {
			return err
		}
		return s.members(func(member string) error {
			c, err := s.next()
			if err != nil {
				return err
			}
			if member != "data" || c != '"' {
				return s.value(c)
			}
			// The name "data" was copied: its value becomes true, and the
			// entry is then read as follows (see store's attachment entries).
			s.out.Truncate(s.out.Len() - len(`"data":`))
			if err := s.emit([]byte(`"follows":true`)...); err != nil {
				return err
			}
			sr := &stringReader{r: s.r}
			st, release, err := db.StageAttachment(ctx, base64.NewDecoder(base64.StdEncoding, sr))
			if err != nil {
				var ce base64.CorruptInputError
				if errors.As(err, &ce) {
					return store.BadRequest("Invalid attachment data for %s", att)
				}
				return err
			}
			out.releases = append(out.releases, release)
			if _, err := io.Copy(io.Discard, sr); err != nil {
				return err
			}
			staged[att] = st
			return nil
		})
	})
}
