// Package web assembles the HTTP side of the server: one router for the
// public listener, dispatching by Host to an instance (and to its apps on
// their sub-domains), and one for the admin listener.
//
// Each area has its own package (web/status, web/admin, web/data...) with
// thin handlers: parse, check permission, call pkg, render.
package web
