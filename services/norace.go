//go:build !race

package services

// raceBuild is true in binaries built with -race (see race.go).
const raceBuild = false
