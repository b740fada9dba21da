//go:build !race

package jobs_test

// raceBuild: see race_test.go.
const raceBuild = false
