// Package jobs runs the background work of an instance: jobs
// (io.cozy.jobs documents) queued for named workers, and triggers
// (io.cozy.triggers documents) that queue jobs at a time (@at, @in),
// periodically (@every, @cron with six fields), or when documents change
// (@event, fed by the store's event bus, so replicated writes fire too).
//
// One Broker serves one instance. Jobs and triggers live in the instance's
// document store, so queued jobs resume and triggers keep their schedule
// after a restart; a job found "running" at start was interrupted and is
// queued again. Each worker has a bounded number of jobs running at once,
// a timeout per execution and a maximum execution count (retries included).
//
// Time goes through a Clock so tests can drive schedules without waiting.
//
// Limits: @hourly/@daily/@weekly/@monthly, @webhook and @client triggers are
// not implemented; the event bus drops a subscriber that falls more than its
// buffer behind, and the broker then re-subscribes, losing those events.
package jobs
