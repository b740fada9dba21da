// Package permissions serves /permissions: the permission of the request's
// own token (/permissions/self), share-by-link permissions with their codes
// (POST /permissions?codes=), reading, patching and deleting a stored
// permission, which documents are shared by link (/permissions/exists) and
// the share-by-link permissions of a doctype.
//
// The handlers only read requests and write answers: making shares and
// their codes, resolving codes, who may manage a permission and patching
// live in pkg/permstore. A token may only share what it holds: the rules of
// a new or patched share must be covered by the token's own rules. A stored
// permission is reachable by the token that created it (same source), by a
// token whose rules cover a share's rules, or by a token holding
// io.cozy.permissions with the route's verb.
//
// Limits: codes are share tokens (JWTs) naming their share, so a code
// opens its own share only; codes made before they named their share are
// refused (the share must be made again); the shortcodes are generated and
// stored but no /s/:shortcode redirect serves them yet; password-protected
// links are refused; /permissions/exists matches documents by id only (a
// file inside a shared folder is not reported).
package permissions
