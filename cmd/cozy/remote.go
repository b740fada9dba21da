package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/spf13/cobra"
)

// newRemoteCmd groups the remote doctype commands.
func newRemoteCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "remote <command>",
		Short: "Manage the remote doctypes of instances",
	}
	secrets := &cobra.Command{
		Use:   "secrets <command>",
		Short: "Manage the secrets injected in remote requests as {{secret_<name>}}",
	}
	secrets.AddCommand(remoteSecretsSetCmd(), remoteSecretsLsCmd(), remoteSecretsRmCmd())
	cmd.AddCommand(secrets)
	return cmd
}

// secretPath is the admin API path of a doctype's secrets.
func secretPath(domain, doctype string, name ...string) string {
	p := "/instances/" + url.PathEscape(domain) + "/remote_secrets/" + url.PathEscape(doctype)
	for _, n := range name {
		p += "/" + url.PathEscape(n)
	}
	return p
}

func remoteSecretsSetCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "set <domain> <doctype> <name> <value>",
		Short: "Store a secret of a remote doctype for an instance (used as {{secret_<name>}})",
		Args:  cobra.ExactArgs(4),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			body, err := json.Marshal(map[string]string{"value": args[3]})
			if err != nil {
				return err
			}
			a := newAdminClient(cfg)
			if err := a.send(cmd.Context(), http.MethodPut, secretPath(args[0], args[1], args[2]), nil, body, nil); err != nil {
				return err
			}
			fmt.Printf("Secret %s of %s has been stored for %s\n", args[2], args[1], args[0])
			return nil
		},
	}
}

func remoteSecretsLsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "ls <domain> <doctype>",
		Short: "List the secret names (not the values) of a remote doctype for an instance",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			var out struct {
				Names []string `json:"names"`
			}
			if err := newAdminClient(cfg).do(cmd.Context(), http.MethodGet, secretPath(args[0], args[1]), nil, &out); err != nil {
				return err
			}
			for _, n := range out.Names {
				fmt.Println(n)
			}
			return nil
		},
	}
}

func remoteSecretsRmCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "rm <domain> <doctype> <name>",
		Short: "Remove a secret of a remote doctype for an instance",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			if err := newAdminClient(cfg).do(cmd.Context(), http.MethodDelete, secretPath(args[0], args[1], args[2]), nil, nil); err != nil {
				return err
			}
			fmt.Printf("Secret %s of %s has been removed for %s\n", args[2], args[1], args[0])
			return nil
		},
	}
}
