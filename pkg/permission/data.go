package permission

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
