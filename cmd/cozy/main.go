// Command cozy is the whole server in one binary: `cozy serve` runs it, and
// the other commands administer it through the admin API, with the names
// and flags of upstream's cozy-stack command where they overlap.
package main

import (
	"fmt"
	"os"

	"github.com/cozypi/cozy/services"
	"github.com/cozypi/cozy/services/queryserver"
)

func main() {
	// A service run re-executes this binary as a sandboxed child.
	if services.IsChild() {
		services.ChildMain()
		return
	}
	// So does the query server of design documents' JavaScript.
	if queryserver.IsChild() {
		queryserver.ChildMain()
		return
	}
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}
