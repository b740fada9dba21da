//go:build race

package jobs_test

// raceBuild: a -race sandbox child runs without rlimits (see
// services/race.go), so single huge allocations are not stopped there.
const raceBuild = true
