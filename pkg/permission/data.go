package permission

import "fmt"

// The data API (/data/:doctype) adds the reserved-doctype rules to the
// permission's own; these helpers are the one place that combines them.

// CheckDataWhole decides verb v on every document of doctype through the
// data API.
func CheckDataWhole(p *Permission, v Verb, doctype string) error {
	if err := checkDataDoctype(v, doctype); err != nil {
		return err
	}
	return p.Allow(v, doctype)
}

// CheckDataSome decides verb v on some documents of doctype through the
// data API (the caller filters the documents with CheckDataDoc).
func CheckDataSome(p *Permission, v Verb, doctype string) error {
	if err := checkDataDoctype(v, doctype); err != nil {
		return err
	}
	return p.AllowSome(v, doctype)
}

// CheckDataDoc decides verb v on one document of doctype through the data
// API. For a document not yet stored, pass the document to be written.
func CheckDataDoc(p *Permission, v Verb, doctype string, doc Doc) error {
	if err := checkDataDoctype(v, doctype); err != nil {
		return err
	}
	return p.AllowDoc(v, doctype, doc)
}

// CheckDataID decides verb v on the document id when its content is not at
// hand (a rule with a selector then needs CheckDataDoc).
func CheckDataID(p *Permission, v Verb, doctype, id string) error {
	if err := checkDataDoctype(v, doctype); err != nil {
		return err
	}
	return p.AllowID(v, doctype, id)
}

func checkDataDoctype(v Verb, doctype string) error {
	if v == GET {
		return CheckReadable(doctype)
	}
	return CheckWritable(doctype)
}

// CheckDataDesign decides verb v (DELETE, or POST for a copy) on the design
// document ddoc ("_design/...") of doctype through the data API: v on the
// whole doctype, as for any document. On the doctypes only the server
// writes (io.cozy.files...), where a client may still define Mango indexes
// (a read helper: GET is enough), it may also delete and copy them, but
// never touch the design documents the server relies on itself.
func CheckDataDesign(p *Permission, v Verb, doctype, ddoc string) error {
	if v == GET || v == PUT || v == PATCH {
		return CheckDataWhole(p, v, doctype)
	}
	if err := CheckReadable(doctype); err != nil {
		return err
	}
	if readOnlyDoctypes[doctype] && serverDesignDocs[doctype][ddoc] {
		return fmt.Errorf("%w: %s of %s is the server's own", ErrReservedDoctype, ddoc, doctype)
	}
	return p.Allow(v, doctype)
}
