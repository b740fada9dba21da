// Package config holds the process configuration of the server and of the
// command line that administers it.
//
// A value comes, by priority, from a command-line flag (upstream's names:
// --host, --admin-port, --fs-url...), from a COZY_ environment variable
// (COZY_ADMIN_PORT for admin.port), from the YAML file cozy.yaml (searched
// in ./, ./.cozy, ~/.cozy and /etc/cozy, or given with --config), or from
// the embedded default. The defaults run a complete server with its data
// under ./data and no other process.
//
// Limits: the YAML file is plain YAML, without upstream's Go templating.
package config
