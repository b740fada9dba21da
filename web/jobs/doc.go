// Package jobs serves the /jobs API (queue, jobs, triggers) over pkg/jobs.
// The brokers and their workers are built by pkg/stack.
//
// Services run with a token of audience "cli" whose scope is the app's
// stored permission set: the "app" audience needs a session cookie and the
// "konn" audience resolves io.cozy.konnectors permissions, so neither fits a
// service. Service files and konnector entry points are read by pkg/apps
// (Manager.Script, KonnectorEntry) inside the app's folder only; COZY_URL
// is the instance's public URL.
//
// POST /jobs/webhooks/:id needs no token: the id of the @webhook trigger
// is the secret, as upstream.
//
// PATCH /jobs/:id only changes jobs of the "client" worker (run by a
// client, not by the server).
//
// Limits: the Budget Insight webhook is not served.
package jobs
