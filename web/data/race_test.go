//go:build race

package data_test

// raceBuild: the query server's -race children run without rlimits (see
// services/race.go), so memory-limit checks are left to the ordinary build.
const raceBuild = true
