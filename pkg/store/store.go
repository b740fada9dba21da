package store

import (
	"context"
	"encoding/json"
	"io"
	"time"

	"github.com/cozypi/cozy/pkg/mango"
)

// Store holds all the doctype databases of one instance.
type Store interface {
	// DB returns the database of a doctype. It does no I/O; methods of the
	// DB report a not_found error when the database was never created.
	DB(doctype string) DB
	// Doctypes lists the created databases, sorted.
	Doctypes(ctx context.Context) ([]string, error)
	// Events returns the bus on which committed writes are published.
	Events() *Bus
	// AttachmentBytes returns the bytes of attachment contents kept beside
	// the documents (each distinct content counted once), for disk usage.
	AttachmentBytes() int64
	// Close releases the store. Pending writes are finished first.
	Close() error
}

// DB is one doctype, behaving as a CouchDB database.
type DB interface {
	// Doctype returns the doctype name.
	Doctype() string
	// Info returns counts and the update sequence; not_found if never created.
	Info(ctx context.Context) (Info, error)
	// Create creates the database; ErrExists if it already exists.
	Create(ctx context.Context) error
	// Destroy deletes the database and everything in it.
	Destroy(ctx context.Context) error

	// Get returns a document: the winner, or opts.Rev.
	Get(ctx context.Context, id string, opts GetOptions) (Doc, error)
	// OpenRevs returns the given revisions (nil: all leaves) of a document.
	OpenRevs(ctx context.Context, id string, revs []string, latest, withRevisions bool) ([]OpenRevResult, error)
	// Put writes a document. With NewEdits (the default), doc.Rev must be
	// the current leaf to update (empty to create) or ErrConflict is
	// returned. Without NewEdits, the revision and its _revisions history
	// are merged as given (replication).
	Put(ctx context.Context, doc Doc, opts PutOptions) (Result, error)
	// Delete writes a deletion revision on top of rev.
	Delete(ctx context.Context, id, rev string) (Result, error)
	// BulkDocs writes several documents in one transaction. Errors about
	// one document are reported in its Result; the error return is for
	// failures of the whole request.
	BulkDocs(ctx context.Context, docs []json.RawMessage, newEdits bool) ([]Result, error)
	// BulkDocsStaged is BulkDocs where staged[i] (when staged is not nil)
	// holds the contents of the attachments of docs[i] that follow (see
	// StageAttachment): a _bulk_docs too large to hold is streamed so.
	BulkDocsStaged(ctx context.Context, docs []json.RawMessage, staged []map[string]Staged, newEdits bool) ([]Result, error)
	// BulkGet fetches several documents / revisions (_bulk_get).
	BulkGet(ctx context.Context, reqs []BulkGetRequest, revs, latest bool) ([]BulkGetResult, error)
	// RevsDiff reports, per id, the revisions this database lacks.
	RevsDiff(ctx context.Context, revs map[string][]string) (map[string]RevsDiffResult, error)
	// AllDocs lists documents by id (_all_docs).
	AllDocs(ctx context.Context, opts AllDocsOptions) (AllDocsResult, error)
	// EachAllDocs is AllDocs calling fn with each row, in order, instead
	// of collecting them (the result's Rows stay empty): rows are read in
	// bounded batches of short read transactions and fn runs between them,
	// so memory stays bounded and a slow fn holds no lock. Batches are
	// separate snapshots: a row reflects the document when its batch was
	// read. fn returning ErrStop ends the listing without error.
	EachAllDocs(ctx context.Context, opts AllDocsOptions, fn func(AllDocsRow) error) (AllDocsResult, error)
	// Changes lists the latest change of each document after a sequence.
	Changes(ctx context.Context, opts ChangesOptions) (ChangesResult, error)
	// EachChange is Changes calling fn with each change, in order, in
	// bounded batches as EachAllDocs does (the result's Results stay
	// empty). A document written meanwhile moves to a later sequence, so
	// it still comes (again) later: every change up to the returned
	// LastSeq is seen. fn returning ErrStop ends the feed at that change
	// as a limit would (LastSeq is its sequence, Pending counts the rest).
	EachChange(ctx context.Context, opts ChangesOptions, fn func(Change) error) (ChangesResult, error)
	// WaitChanges returns when the update sequence exceeds since, or with
	// ctx's error.
	WaitChanges(ctx context.Context, since uint64) error

	// GetLocal returns a _local document (id with or without "_local/").
	GetLocal(ctx context.Context, id string) (Doc, error)
	// PutLocal writes a _local document; its "_rev" must match the current one.
	PutLocal(ctx context.Context, id string, body json.RawMessage) (Result, error)
	// DeleteLocal deletes a _local document.
	DeleteLocal(ctx context.Context, id, rev string) (Result, error)

	// CreateIndex creates a Mango index from a POST _index body; it is stored
	// in a design document (language "query") as CouchDB does.
	CreateIndex(ctx context.Context, req json.RawMessage) (IndexResult, error)
	// Indexes lists the Mango indexes (the special _all_docs one first).
	Indexes(ctx context.Context) ([]IndexInfo, error)
	// DeleteIndex deletes a Mango index (ddoc with or without "_design/").
	DeleteIndex(ctx context.Context, ddoc, name string) error
	// Find runs a Mango query. A query no index can serve is refused with
	// ErrNoUsableIndex.
	Find(ctx context.Context, q mango.Query) (FindResult, error)
	// EachFind is Find calling fn with each document, in order, in
	// bounded batches as EachAllDocs does (the result's Docs stay empty).
	EachFind(ctx context.Context, q mango.Query, fn func(json.RawMessage) error) (FindResult, error)
	// CopyDesign copies a design document to another id (COPY /_design/x).
	CopyDesign(ctx context.Context, from, rev, to string) (Result, error)

	// OpenAttachment opens the content of attachment name of revision rev
	// of a document (rev empty: the winner). The caller closes it.
	OpenAttachment(ctx context.Context, id, rev, name string) (Attachment, io.ReadSeekCloser, error)
	// PutAttachment writes a new revision on top of rev (empty: a new
	// document) with attachment name set to the content read from r,
	// which is streamed to storage, never held whole in memory.
	PutAttachment(ctx context.Context, id, rev, name, contentType string, r io.Reader) (Result, error)
	// DeleteAttachment writes a new revision on top of rev without
	// attachment name.
	DeleteAttachment(ctx context.Context, id, rev, name string) (Result, error)
	// Compact drops the bodies of the revisions that updates replaced
	// (kept until then, as CouchDB keeps them) and the attachment
	// contents only they referenced.
	Compact(ctx context.Context) error
	// Purge removes the given leaf revisions of documents (and their
	// ancestors no other leaf shares) as if they had never existed; it
	// returns the revisions purged, by document.
	Purge(ctx context.Context, revs map[string][]string) (map[string][]string, error)
	// RevsLimit returns how many revisions of each branch documents keep;
	// SetRevsLimit changes it (_revs_limit).
	RevsLimit(ctx context.Context) (int, error)
	SetRevsLimit(ctx context.Context, n int) error

	// StageAttachment stores the content read from r (streamed) for a
	// following Put whose "_attachments" entry {"follows": true} names it
	// (PutOptions.Staged: multipart/related writes). release must be
	// called once that Put is over; a content no write references is then
	// removed.
	StageAttachment(ctx context.Context, r io.Reader) (s Staged, release func(), err error)
}

// Staged is an attachment content stored ahead of its write.
type Staged struct {
	Digest string // "md5-<base64>"
	Length int64
}

// Info describes a database.
type Info struct {
	Doctype     string `json:"db_name"`
	DocCount    int64  `json:"doc_count"`
	DocDelCount int64  `json:"doc_del_count"`
	UpdateSeq   uint64 `json:"update_seq"`
}

// Doc is a document revision. Body is the full rendered JSON object (with
// "_id", "_rev" and any requested special members) on output; on input (Put)
// it is the JSON object as sent, and ID/Rev, when set, take precedence over
// its "_id"/"_rev".
type Doc struct {
	ID      string
	Rev     string
	Deleted bool
	Body    json.RawMessage
}

// GetOptions are the query parameters of GET /db/docid.
type GetOptions struct {
	Rev              string // a specific revision (must still have its body)
	Revs             bool   // add "_revisions"
	RevsInfo         bool   // add "_revs_info"
	Conflicts        bool   // add "_conflicts"
	DeletedConflicts bool   // add "_deleted_conflicts"
	Latest           bool   // with Rev: the winning leaf descending from it
	Meta             bool   // Conflicts + DeletedConflicts + RevsInfo
}

// PutOptions are the parameters of a write.
type PutOptions struct {
	// NoNewEdits selects replication mode (new_edits=false): the revision in
	// the body is stored as is and merged with its "_revisions" history.
	NoNewEdits bool
	// Staged are the contents of the "_attachments" entries marked
	// {"follows": true}, by attachment name (see DB.StageAttachment).
	Staged map[string]Staged
	// Parsed is the document's body already split by ParseBody (or
	// ParseClientBody), when the caller had to parse it: the store then
	// does not parse Doc.Body again.
	Parsed *ParsedBody
}

// Result is the outcome of writing one document. Err is nil on success; in
// bulk results it holds the per-document error.
type Result struct {
	ID  string
	Rev string
	Err error
}

// OpenRevResult is one answer of OpenRevs: a document (OK) or a revision
// that is not available (Missing).
type OpenRevResult struct {
	OK      *Doc
	Missing string
}

// BulkGetRequest asks for one document, or one revision of it.
type BulkGetRequest struct {
	ID  string `json:"id"`
	Rev string `json:"rev,omitempty"`
}

// BulkGetResult is the answer for one BulkGetRequest. Err is set (with an
// *Error) when the document or revision cannot be read.
type BulkGetResult struct {
	ID   string
	Rev  string
	Docs []OpenRevResult
	Err  error
}

// RevsDiffResult is the _revs_diff answer for one document.
type RevsDiffResult struct {
	Missing           []string `json:"missing"`
	PossibleAncestors []string `json:"possible_ancestors,omitempty"`
}

// AllDocsOptions are the parameters of _all_docs. Keys are document ids.
type AllDocsOptions struct {
	StartKey, EndKey  *string
	Keys              []string // when set, exactly these ids in this order
	Limit             int      // <= 0: no limit
	Skip              int
	Descending        bool
	InclusiveEnd      bool // CouchDB's default is true; set it explicitly
	IncludeDocs       bool
	Conflicts         bool // with IncludeDocs
	ExcludeDesignDocs bool // cozy's DesignDocs=false / _normal_docs
	OnlyDesignDocs    bool // _design_docs
}

// AllDocsRow is one _all_docs row. Err is set (not_found) for a requested key
// that does not exist; Deleted for a requested key that was deleted.
type AllDocsRow struct {
	ID      string
	Rev     string
	Deleted bool
	Doc     json.RawMessage // with IncludeDocs; nil for deleted docs
	Err     *Error
}

// AllDocsResult is the _all_docs answer.
type AllDocsResult struct {
	TotalRows int64
	Offset    int
	Rows      []AllDocsRow
}

// ChangesOptions are the parameters of _changes.
type ChangesOptions struct {
	Since      uint64
	Limit      int // <= 0: no limit
	Descending bool
	AllDocs    bool     // style=all_docs: every leaf, not only the winner
	DocIDs     []string // filter=_doc_ids
	// Match, when non-nil, keeps only the changes whose winning document it
	// accepts (filter=_selector: pass a parsed mango selector's Match).
	Match       func(doc map[string]any) bool
	IncludeDocs bool
	Conflicts   bool // with IncludeDocs
}

// Change is one row of the changes feed.
type Change struct {
	Seq     uint64
	ID      string
	Revs    []string // winner first
	Deleted bool
	Doc     json.RawMessage
}

// ChangesResult is the _changes answer.
type ChangesResult struct {
	Results []Change
	LastSeq uint64
	Pending int64
}

// IndexResult is the answer of CreateIndex.
type IndexResult struct {
	ID     string `json:"id"` // "_design/..."
	Name   string `json:"name"`
	Result string `json:"result"` // "created" or "exists"
}

// IndexInfo describes an index as GET /db/_index lists it.
type IndexInfo struct {
	DDoc string          `json:"ddoc"` // null for _all_docs
	Name string          `json:"name"`
	Type string          `json:"type"` // "json" or "special"
	Def  json.RawMessage `json:"def"`
}

// FindResult is the _find answer.
type FindResult struct {
	Docs           []json.RawMessage
	Bookmark       string
	Warning        string
	ExecutionStats *ExecutionStats
}

// ExecutionStats are the statistics of a _find with execution_stats.
type ExecutionStats struct {
	TotalKeysExamined       int64   `json:"total_keys_examined"`
	TotalDocsExamined       int64   `json:"total_docs_examined"`
	TotalQuorumDocsExamined int64   `json:"total_quorum_docs_examined"`
	ResultsReturned         int64   `json:"results_returned"`
	ExecutionTimeMs         float64 `json:"execution_time_ms"`
}

// Since returns the milliseconds elapsed since start, for ExecutionStats.
func Since(start time.Time) float64 {
	return float64(time.Since(start).Microseconds()) / 1000
}

// Maintainer is a store that can compact itself; pkg/stack runs Maintain
// on a schedule.
type Maintainer interface {
	// Maintain compacts (see DB.Compact) every doctype written since its
	// last compaction, then gives the space freed back to the file
	// system when at least minFree bytes (and a quarter of the store) are
	// free (minFree < 0: in any case). Writes wait while the file is
	// rewritten; reads go on.
	Maintain(ctx context.Context, minFree int64) (Maintenance, error)
}

// Maintenance is what one Maintain did.
type Maintenance struct {
	Compacted             []string // the doctypes compacted
	Shrunk                bool     // the file was rewritten
	SizeBefore, SizeAfter int64    // the file's size in bytes
}
