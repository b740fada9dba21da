package data

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/web/httperr"
)

// CouchDB's default bounds of the bulk requests (max_bulk_docs_count and
// max_bulk_get_count): a request naming more documents is refused whole
// with 413 while it is decoded, before anything is kept of it.
const (
	MaxBulkDocs = 10000
	MaxBulkGet  = 10000
)

// tooMany is the answer for a bulk request over its bound, with CouchDB's
// error names (max_bulk_docs_count_exceeded, max_bulk_get_count_exceeded).
func tooMany(code string, max int) error {
	return &httperr.Error{Status: http.StatusRequestEntityTooLarge, Code: code, Err: httperr.ErrTooLarge,
		Detail: "a request may name at most " + strconv.Itoa(max) + " documents"}
}

// bulkRequest is a decoded _bulk_docs or _bulk_get body.
type bulkRequest struct {
	docs     []json.RawMessage
	hasDocs  bool
	newEdits *bool
}

// decodeBulk reads {"docs": [...], "new_edits": bool} from b, counting the
// documents as they are decoded and refusing past max (413 code), so that a
// small body of many tiny documents is refused before they are held. Other
// members are skipped.
func decodeBulk(b []byte, max int, code string) (bulkRequest, error) {
	var req bulkRequest
	bad := func(err error) (bulkRequest, error) { return req, store.BadRequest("invalid JSON body: %v", err) }
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := expectDelim(dec, '{'); err != nil {
		return bad(err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return bad(err)
		}
		switch key, _ := tok.(string); key {
		case "docs":
			if req.hasDocs {
				return req, store.BadRequest("invalid JSON body: docs given twice")
			}
			req.hasDocs = true
			if err := expectDelim(dec, '['); err != nil {
				return bad(err)
			}
			for dec.More() {
				if len(req.docs) == max {
					return req, tooMany(code, max)
				}
				var doc json.RawMessage
				if err := dec.Decode(&doc); err != nil {
					return bad(err)
				}
				req.docs = append(req.docs, doc)
			}
			if err := expectDelim(dec, ']'); err != nil {
				return bad(err)
			}
		case "new_edits":
			if err := dec.Decode(&req.newEdits); err != nil {
				return bad(err)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return bad(err)
			}
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return bad(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return req, store.BadRequest("invalid JSON body: trailing data")
	}
	return req, nil
}

// expectDelim reads the next token, which must be d.
func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if got, ok := tok.(json.Delim); !ok || got != d {
		return errors.New("expected " + d.String())
	}
	return nil
}
