//go:build !race

package data_test

// raceBuild is true in -race test binaries (see race_test.go).
const raceBuild = false
