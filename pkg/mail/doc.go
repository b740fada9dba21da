// Package mail sends mail over SMTP, with upstream's sendmail modes:
// "noreply" (a message from the server to the instance's owner) and "from"
// (a message written by the owner to other people: sent from the noreply
// address with the owner's name, replies going to the owner).
//
// Messages are built here (headers encoded, text and HTML parts as
// multipart/alternative, attachments as multipart/mixed) and sent with
// net/smtp. STARTTLS is required unless the configuration disables TLS;
// credentials are only sent over TLS (or to a loopback server).
//
// Limits: no SMTPS (implicit TLS on port 465), no DKIM signing, no retry
// here (the sendmail job retries); the other upstream modes (pending,
// support, campaign) are not implemented.
package mail
