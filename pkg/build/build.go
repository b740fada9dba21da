// Package build tells which build of the server is running. Version and
// Time are set at link time:
//
//	go build -ldflags "-X github.com/cozypi/cozy/pkg/build.Version=1.0.0"
package build

import "runtime"

// Set by the linker.
var (
	Version = "dev"
	Time    = ""
	Mode    = "development"
)

// Info is the build information as /version renders it.
type Info struct {
	BuildMode      string `json:"build_mode"`
	BuildTime      string `json:"build_time"`
	RuntimeVersion string `json:"runtime_version"`
	Version        string `json:"version"`
}

// Current returns the running build's information.
func Current() Info {
	return Info{BuildMode: Mode, BuildTime: Time, RuntimeVersion: runtime.Version(), Version: Version}
}
