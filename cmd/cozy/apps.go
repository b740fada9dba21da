package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

// newAppsCmds returns the `apps` and `konnectors` command groups, over
// the admin API's /instances/:domain/apps and /konnectors routes.
func newAppsCmds() []*cobra.Command {
	return []*cobra.Command{
		appsGroup("apps", "web app", "Install, update, remove and list the web apps of an instance"),
		appsGroup("konnectors", "konnector", "Install, update, remove and list the konnectors of an instance"),
	}
}

func appsGroup(kind, noun, short string) *cobra.Command {
	group := &cobra.Command{Use: kind + " <command>", Short: short}
	var domain string
	group.PersistentFlags().StringVar(&domain, "domain", "", "The instance domain")
	path := func(slug string) string {
		p := "/instances/" + url.PathEscape(domain) + "/" + kind
		if slug != "" {
			p += "/" + url.PathEscape(slug)
		}
		return p
	}
	run := func(method string, args func([]string) (string, url.Values, error)) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, a []string) error {
			if domain == "" {
				return errors.New("--domain is required")
			}
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			slug, q, err := args(a)
			if err != nil {
				return err
			}
			var raw json.RawMessage
			var out any = &raw
			if method == http.MethodDelete {
				out = nil
			}
			if err := newAdminClient(cfg).do(cmd.Context(), method, path(slug), q, out); err != nil {
				return err
			}
			if method == http.MethodDelete {
				_, err := fmt.Fprintf(cmd.OutOrStdout(), "%s %s removed\n", noun, slug)
				return err
			}
			return printJSON(cmd, raw)
		}
	}
	var acked bool
	withSource := func(a []string) (string, url.Values, error) {
		q := url.Values{"PermissionsAcked": {strconv.FormatBool(acked)}}
		if len(a) > 1 {
			q.Set("Source", a[1])
		}
		return a[0], q, nil
	}
	install := &cobra.Command{
		Use:   "install <slug> [source]",
		Short: "Install a " + noun + " (source: file://, http(s)://...#sha256, git://...#branch, registry://slug/channel; default: the registry's stable channel) and wait for the end",
		Args:  cobra.RangeArgs(1, 2),
		RunE:  run(http.MethodPost, withSource),
	}
	install.Flags().BoolVar(&acked, "permissions-acked", true, "Accept the permissions (else a web app stays in state installed)")
	update := &cobra.Command{
		Use:   "update <slug> [source]",
		Short: "Update a " + noun + " from its source or a new one, and wait for the end",
		Args:  cobra.RangeArgs(1, 2),
		RunE:  run(http.MethodPut, withSource),
	}
	update.Flags().BoolVar(&acked, "permissions-acked", true, "Accept new permissions (else the update waits, as available_version)")
	one := func(a []string) (string, url.Values, error) { return a[0], nil, nil }
	uninstall := &cobra.Command{Use: "uninstall <slug>", Aliases: []string{"rm"}, Short: "Remove a " + noun + ", its permissions and files",
		Args: cobra.ExactArgs(1), RunE: run(http.MethodDelete, one)}
	show := &cobra.Command{Use: "show <slug>", Short: "Print the document of a " + noun + " as JSON",
		Args: cobra.ExactArgs(1), RunE: run(http.MethodGet, one)}
	var asJSON bool
	ls := &cobra.Command{
		Use:   "ls",
		Short: "List the " + kind + " of the instance",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if domain == "" {
				return errors.New("--domain is required")
			}
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			var raw json.RawMessage
			if err := newAdminClient(cfg).do(cmd.Context(), http.MethodGet, path(""), nil, &raw); err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd, raw)
			}
			var list []struct {
				Slug    string `json:"slug"`
				Version string `json:"version"`
				State   string `json:"state"`
				Source  string `json:"source"`
			}
			if err := json.Unmarshal(raw, &list); err != nil {
				return fmt.Errorf("admin API: bad answer: %w", err)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			for _, a := range list {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", a.Slug, a.Version, a.State, a.Source)
			}
			return w.Flush()
		},
	}
	ls.Flags().BoolVar(&asJSON, "json", false, "Print the documents as JSON")
	group.AddCommand(install, update, uninstall, show, ls)
	return group
}
