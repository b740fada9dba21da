//go:build !race

package queryserver

// raceBuild is true in -race test binaries (see race_test.go).
const raceBuild = false
