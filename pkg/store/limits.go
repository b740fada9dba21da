package store

// Bounds of the _local documents (replication checkpoints). A token that
// may only read a doctype may still write them (PouchDB writes its
// checkpoints on the source too), so what it can so store is bounded.
const (
	// MaxLocalSize bounds one _local document, in bytes of JSON.
	MaxLocalSize = 64 << 10
	// MaxLocalDocs bounds the number of _local documents of a doctype.
	MaxLocalDocs = 1000
)
