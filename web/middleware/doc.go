// Package middleware holds what runs before handlers: choosing the
// instance from the Host, finding the request's credentials and resolving
// them to a permission, access logs and panic recovery.
//
// Handlers ask for the permission through Allow* helpers, which call
// pkg/permission; no handler reads a token itself.
package middleware
