// Package notifications serves POST /notifications: an app or konnector
// (its token, or a service's CLI token naming the app) sends a
// notification to the owner, validated against its manifest's categories
// and delivered by mail (pkg/notification).
//
// Limits: OAuth clients (mobile apps) cannot send notifications yet, since
// the categories they declare at registration are not stored; mail is the
// only channel; a mail that cannot be sent is logged and the notification
// still answered 201, as upstream does with its asynchronous channels.
package notifications
