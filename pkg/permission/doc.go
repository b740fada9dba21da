// Package permission is the permission model of the server: rules, sets of
// rules, the inline scope syntax used by OAuth2 and tokens, and the one
// decision that every request goes through.
//
// A rule is {type, verbs, values, selector} as upstream Cozy defines it:
//
//   - type is a doctype, or a doctype wildcard such as "io.cozy.bank.*" (only
//     for doctypes with at least three dots, so "io.cozy.*" is refused);
//   - verbs is a subset of GET POST PUT PATCH DELETE ("ALL" by default); HEAD
//     is implied by GET;
//   - values restricts the rule to some documents, matched against the
//     document id or, with a selector, against that field of the document.
//
// The inline form is "type:VERBS:values:selector", space separated in a scope
// string. A Permission is a set of rules with who holds it (an app, a
// konnector, an OAuth client, the CLI, a share-by-link code). Handlers never
// re-implement any of this: they ask a Permission whether a verb is allowed
// on a doctype, a document id, or a whole document.
//
// Limits: a rule on a directory of io.cozy.files also covers what is inside
// it; that inclusion needs the file system and is decided by the caller
// through the Doc interface (see AllowDoc).
package permission
