package bolt

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	bbolt "go.etcd.io/bbolt"

	"github.com/cozypi/cozy/pkg/revtree"
	"github.com/cozypi/cozy/pkg/store"
)

// migrateInlineAttachments converts a format 1 store, whose bodies kept
// attachment data inline as sent, to format 2: each inline content
// becomes a blob and its entry a stub. It runs at Open, before any other
// use, one document per transaction; a crash in between leaves format 1
// and converted documents, and the next Open goes on (contents written
// for an unfinished document are swept first).
func (s *Store) migrateInlineAttachments() error {
	var doctypes [][]byte
	err := s.viewTx(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, _ *bbolt.Bucket) error {
			if n := string(name); n != metaBucket && n != string(blobBucket) {
				doctypes = append(doctypes, append([]byte(nil), name...))
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	converted := 0
	for _, dt := range doctypes {
		var ids [][]byte
		err := s.viewTx(func(tx *bbolt.Tx) error {
			docs := tx.Bucket(dt).Bucket(bDocs)
			if docs == nil {
				return nil
			}
			return docs.ForEach(func(k, v []byte) error {
				if bytes.Contains(v, []byte(`"_attachments"`)) && bytes.Contains(v, []byte(`"data"`)) {
					ids = append(ids, append([]byte(nil), k...))
				}
				return nil
			})
		})
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := s.migrateDoc(dt, id); err != nil {
				return fmt.Errorf("migrate attachments of %s/%s: %w", dt, id, err)
			}
			converted++
		}
	}
	if converted > 0 {
		s.log.Info("attachments: inline contents moved to files", "documents", converted)
	}
	return s.updateTx(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(metaBucket)).Put([]byte(formatKey), u64(formatVersion))
	})
}

// migrateDoc converts the inline attachments of one document.
func (s *Store) migrateDoc(doctype, id []byte) error {
	var rec *record
	err := s.viewTx(func(tx *bbolt.Tx) error {
		var err error
		rec, err = decodeRecord(tx.Bucket(doctype).Bucket(bDocs).Get(id))
		return err
	})
	if err != nil {
		return err
	}
	before := rec.blobKeys()
	written := map[string]*blobInfo{}
	var pinned []string
	defer func() { s.blobs.unpin(pinned) }()
	// First the contents, then the stubs: a stub sent without its content
	// (the old server kept it as is) is kept only when another entry of
	// the document brought that content.
	parsed := map[revtree.Rev]map[string]attEntry{}
	for rev, body := range rec.bodies {
		var entries map[string]attEntry
		if raw := store.Member(body, "_attachments"); raw == nil || json.Unmarshal(raw, &entries) != nil {
			continue
		}
		parsed[rev] = entries
		for name, en := range entries {
			if en.Data == nil {
				continue
			}
			en.Digest = ""
			var data string
			if json.Unmarshal(en.Data, &data) == nil {
				info, err := s.blobs.write(base64.NewDecoder(base64.StdEncoding, strings.NewReader(data)))
				if err == nil {
					pinned = append(pinned, info.key)
					written[info.key] = &info
					en.Digest, en.Length = info.digest, info.length
				}
			}
			entries[name] = en
		}
	}
	for rev, entries := range parsed {
		atts := map[string]store.Attachment{}
		for name, en := range entries {
			if k, ok := keyOf(en.Digest); !ok || written[k] == nil {
				continue // no content: it could never be served
			}
			a := store.Attachment{Name: name, ContentType: en.ContentType, Revpos: en.Revpos, Digest: en.Digest, Length: written[mustKey(en.Digest)].length}
			if a.ContentType == "" {
				a.ContentType = store.DefaultContentType
			}
			if a.Revpos <= 0 || a.Revpos > rev.Pos {
				a.Revpos = rev.Pos
			}
			atts[name] = a
		}
		var val json.RawMessage
		if len(atts) > 0 {
			val = store.RenderStubs(atts)
		}
		fields, err := store.SetMember(rec.bodies[rev], "_attachments", val)
		if err != nil {
			return err
		}
		rec.bodies[rev] = fields
	}
	after := rec.blobKeys()
	return s.updateTx(func(tx *bbolt.Tx) error {
		bk := tx.Bucket(blobBucket)
		for k := range after {
			if !before[k] {
				if _, err := adjustRef(bk, k, 1, written[k]); err != nil {
					return err
				}
			}
		}
		enc, err := rec.encode()
		if err != nil {
			return err
		}
		return tx.Bucket(doctype).Bucket(bDocs).Put(id, enc)
	})
}

func mustKey(digest string) string { k, _ := keyOf(digest); return k }
