package store

import (
	"context"
	"encoding/json"
	"errors"
)

// ErrUnauthorized is the kind of a write a validate_doc_update function
// refused with {unauthorized: ...} (401); a refusal with {forbidden: ...}
// is an ErrForbidden error (403).
var ErrUnauthorized = errors.New("unauthorized")

// Forbidden returns a forbidden error (403) with reason.
func Forbidden(reason string) *Error {
	return &Error{Kind: ErrForbidden, Code: "forbidden", Reason: reason}
}

// Unauthorized returns an unauthorized error (401) with reason.
func Unauthorized(reason string) *Error {
	return &Error{Kind: ErrUnauthorized, Code: "unauthorized", Reason: reason}
}

// ValidationAnswer reads a query server's answer to a validate_doc_update
// call: 1 accepts the write (nil); a thrown {forbidden: msg} or
// {unauthorized: msg} is that refusal; any other thrown value is an
// ErrQueryServer error, as CouchDB answers (500).
func ValidationAnswer(ans json.RawMessage) error {
	var n int
	if json.Unmarshal(ans, &n) == nil && n == 1 {
		return nil
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(ans, &obj) == nil && len(obj) == 1 {
		for k, v := range obj {
			switch k {
			case "forbidden":
				return Forbidden(reasonText(v))
			case "unauthorized":
				return Unauthorized(reasonText(v))
			}
		}
	}
	return QueryServerError("unknown_error", reasonText(ans))
}

// reasonText is a thrown message: the string, or the JSON text of another
// value.
func reasonText(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	return string(v)
}

// ValidatingStore is implemented by stores that run the validate_doc_update
// functions of their design documents on every document write (not on
// _local documents), as CouchDB does. Until SetQueryServer is called (or
// with nil), no function runs.
type ValidatingStore interface {
	SetQueryServer(qs QueryServer)
}

// UserCtx is the userCtx object given to validate_doc_update functions for
// a write to doctype: no user name and no roles (the data API's caller is
// an app or a client with a permission on the doctype, not a CouchDB user).
func UserCtx(doctype string) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"db": doctype, "name": nil, "roles": []string{}})
	return b
}

// Validate runs the validate_doc_update functions of ddocs (design
// documents that have one) on a write of newDoc over oldDoc (nil: none):
// the first refusal is returned.
func Validate(ctx context.Context, qs QueryServer, ddocs []DesignRef, newDoc, oldDoc, userCtx json.RawMessage) error {
	for _, dd := range ddocs {
		if err := qs.Validate(ctx, dd, newDoc, oldDoc, userCtx, json.RawMessage("{}")); err != nil {
			return err
		}
	}
	return nil
}
