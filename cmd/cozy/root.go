package main

import (
	"github.com/cozypi/cozy/pkg/build"
	"github.com/cozypi/cozy/pkg/config"
	"github.com/spf13/cobra"
)

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "cozy",
		Short:         "A personal cloud server for the home: documents, files, apps and sync",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       build.Version,
	}
	config.AddFlags(root.PersistentFlags())
	root.AddCommand(newServeCmd(), newInstancesCmd(), newStatusCmd(), newVersionCmd(), newConfigCmd())
	root.AddCommand(newRemoteCmd(), newCheckCmd(), newBoxCmd())
	root.AddCommand(newJobsCmds()...)
	root.AddCommand(newAppsCmds()...)
	return root
}

// loadConfig reads the configuration with the command's flags.
func loadConfig(cmd *cobra.Command) (*config.Config, error) {
	return config.Load(cmd.Flags(), nil)
}
