//go:build race

package queryserver

// raceBuild: a -race child runs without rlimits (see services/race.go),
// so the memory-limit tests are left to the ordinary build.
const raceBuild = true
