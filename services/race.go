//go:build race

package services

// raceBuild is true in binaries built with -race. The race detector maps
// terabytes of shadow memory at start, so such a child cannot run under
// RLIMIT_DATA or RLIMIT_AS: it keeps only the soft limit and the watchdog.
const raceBuild = true
