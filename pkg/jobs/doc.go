// Package jobs runs the background work of an instance: jobs
// (io.cozy.jobs documents) queued for named workers, and triggers
// (io.cozy.triggers documents) that queue jobs at a time (@at, @in),
// periodically (@every, @cron with six fields, @hourly/@daily/@weekly/
// @monthly with upstream's before/after/between/on clauses), when documents
// change (@event, fed by the store's event bus, so replicated writes fire
// too, with optional debounce), or when a webhook is called (@webhook).
//
// One Broker serves one instance. Jobs and triggers live in the instance's
// document store, so queued jobs resume and triggers keep their schedule
// after a restart; a job found "running" at start was interrupted and is
// queued again. Each worker has a bounded number of jobs running at once,
// a timeout per execution and a maximum execution count (retries included).
//
// Time goes through a Clock so tests can drive schedules without waiting.
//
// The periodic kinds pick their minute, hour and day inside the allowed
// window from a hash of the trigger id (stable across restarts), then run
// as a @cron; the time windows are UTC.
//
// The sendmail worker (SendmailWorker) sends mail with pkg/mail. The
// service (ServiceWorker) and konnector (KonnectorWorker) workers run
// scripts in the services sandbox with upstream's COZY_* environment; a
// service job runs once by default. CleanClientsWorker deletes an OAuth
// client still pending an hour after registration, through an interface
// the OAuth service has to implement (not wired yet). There is no
// trash-files worker: emptying the trash destroys the contents
// synchronously (pkg/vfs), as upstream does on a local file system.
//
// The services of an installed web app's manifest become triggers of the
// "service" worker: the broker watches io.cozy.apps documents on the event
// bus (and reconciles them all at start), creating, replacing and deleting
// those triggers (marked cozyMetadata.fromManifest) as apps are installed,
// updated and removed. It reads nothing of pkg/apps but the document.
//
// Events reach the broker through package follow: when the listener falls
// more than its buffer behind the store's bus, it catches up from the
// changes of the doctypes it watches, so no @event trigger misses a write
// (a document written several times during such a gap fires once, for its
// latest revision). Timers (schedules, retries, debounces) and workers are
// owned by the broker: Close stops them and waits.
//
// Limits: finished jobs are never purged and listing jobs scans them
// all; a debounce pending at shutdown is lost.
package jobs
