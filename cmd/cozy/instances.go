package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/web/admin"
	"github.com/spf13/cobra"
)

type instanceDoc struct {
	ID         string           `json:"id"`
	Attributes admin.Attributes `json:"attributes"`
	Meta       struct {
		Rev string `json:"rev"`
	} `json:"meta"`
}

func newInstancesCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "instances", Aliases: []string{"instance"}, Short: "Manage the instances of the server"}
	cmd.AddCommand(instancesAddCmd(), instancesLsCmd(), instancesShowCmd(), instancesModifyCmd(), instancesRmCmd(),
		instancesSetPassphraseCmd(),
		tokenCmd("token-app", "<domain> <slug>", "Generate a new application token", "app", 2, true),
		tokenCmd("token-cli", "<domain> <scopes>", "Generate a new CLI access token (global access)", "cli", 2, false),
		tokenCmd("token-konnector", "<domain> <slug>", "Generate a new konnector token", "konn", 2, false),
		tokenCmd("token-oauth", "<domain> <clientid> <scopes>", "Generate a new OAuth access token", "access", 3, true),
		instancesClientOAuthCmd())
	return cmd
}

// registrationLink is where the owner of inst sets the first passphrase;
// its scheme is the configuration's one answer (Instance.PageURL).
func registrationLink(inst *instance.Instance, registerToken string) string {
	return inst.PageURL("/?registerToken=" + url.QueryEscape(registerToken))
}

// publicInstance is the instance of domain as the configuration exposes it,
// for printing its links: the CLI has its attributes from the admin API,
// and the scheme from the same settings as the server.
func publicInstance(cfg *config.Config, domain string) *instance.Instance {
	p := new(instance.Public)
	p.SetScheme(cfg.PublicScheme())
	p.SetSubdomains(cfg.Subdomains)
	return (&instance.Instance{Domain: domain}).WithPublic(p)
}

// appsInstallTimeout bounds `cozy instances add` when apps are installed
// with the instance.
const appsInstallTimeout = 30 * time.Minute

func instancesAddCmd() *cobra.Command {
	var o struct {
		passphrase, email, publicName, locale, tz, diskQuota, contextName string
		apps                                                              []string
	}
	cmd := &cobra.Command{
		Use:   "add <domain>",
		Short: "Create an instance for a domain",
		Example: `$ cozy instances add --passphrase cozy cozy.localhost:8080
$ cozy instances add --email alice@example.org --public-name Alice alice.example.org
$ cozy instances add --apps home,drive,settings,contacts box.local`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			q := url.Values{"Domain": {args[0]}}
			for k, v := range map[string]string{"Passphrase": o.passphrase, "Email": o.email, "PublicName": o.publicName,
				"Locale": o.locale, "TZ": o.tz, "DiskQuota": o.diskQuota, "ContextName": o.contextName} {
				if v != "" {
					q.Set(k, v)
				}
			}
			if len(o.apps) > 0 {
				q.Set("Apps", strings.Join(o.apps, ","))
			}
			var res struct {
				Data struct {
					instanceDoc
					Meta struct {
						AppsPending []string `json:"apps_pending"`
					} `json:"meta"`
				}
			}
			client := newAdminClient(cfg)
			if len(o.apps) > 0 || len(cfg.DefaultApps) > 0 {
				// The apps are downloaded before the answer: a few
				// tarballs of tens of megabytes, maybe over a slow link.
				client.http.Timeout = appsInstallTimeout
			}
			if err := client.do(cmd.Context(), "POST", "/instances", q, &res); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			a := res.Data.Attributes
			fmt.Fprintf(out, "Instance created with success for domain %s\n", a.Domain)
			if p := res.Data.Meta.AppsPending; len(p) > 0 {
				fmt.Fprintf(out, "Apps not installed yet (no registry answered; retried in the background): %s\n", strings.Join(p, ", "))
			}
			if a.RegisterToken != "" {
				fmt.Fprintf(out, "Registration token: %q\n", a.RegisterToken)
				fmt.Fprintf(out, "Finish the onboarding at %s\n", registrationLink(publicInstance(cfg, a.Domain), a.RegisterToken))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.passphrase, "passphrase", "", "Register the instance with this passphrase (useful for tests)")
	f.StringVar(&o.email, "email", "", "The email of the owner")
	f.StringVar(&o.publicName, "public-name", "", "The public name of the owner")
	f.StringVar(&o.locale, "locale", "en", "Locale of the new cozy instance")
	f.StringVar(&o.tz, "tz", "", "The timezone for the user")
	f.StringVar(&o.diskQuota, "disk-quota", "", "The quota allowed to the instance's VFS (bytes, or 5GB)")
	f.StringVar(&o.contextName, "context-name", "", "Context name of the instance")
	f.StringSliceVar(&o.apps, "apps", nil, "Apps to install from the registries, besides the configured default_apps (e.g. home,drive,settings)")
	return cmd
}

func instancesLsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "ls",
		Short: "List the instances",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			var res struct{ Data []instanceDoc }
			if err := newAdminClient(cfg).do(cmd.Context(), "GET", "/instances", nil, &res); err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(os.Stdout)
				for _, d := range res.Data {
					if err := enc.Encode(d.Attributes); err != nil {
						return err
					}
				}
				return nil
			}
			w := tabwriter.NewWriter(os.Stdout, 0, 8, 2, ' ', 0)
			for _, d := range res.Data {
				a := d.Attributes
				state := "onboarded"
				if !a.OnboardingFinished {
					state = "onboarding"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", a.Domain, a.Locale, state, a.Prefix)
			}
			return w.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "Show each line as a json representation of the instance")
	return cmd
}

func instancesShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show <domain>",
		Short: "Show the instance of the specified domain",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			var res struct{ Data instanceDoc }
			if err := newAdminClient(cfg).do(cmd.Context(), "GET", "/instances/"+url.PathEscape(args[0]), nil, &res); err != nil {
				return err
			}
			out, _ := json.MarshalIndent(res.Data, "", "  ")
			fmt.Println(string(out))
			return nil
		},
	}
}

func instancesModifyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "modify <domain>",
		Short: "Modify the instance properties",
		Args:  cobra.ExactArgs(1),
	}
	f := cmd.Flags()
	strFlags := map[string]string{"email": "Email", "public-name": "PublicName", "locale": "Locale", "tz": "TZ",
		"disk-quota": "DiskQuota", "context-name": "ContextName", "blocking-reason": "BlockingReason"}
	for flag := range strFlags {
		f.String(flag, "", "New "+strings.ReplaceAll(flag, "-", " "))
	}
	f.Bool("blocked", false, "Block the instance")
	f.Bool("onboarding-finished", false, "Force the finishing of the onboarding")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		cfg, err := loadConfig(cmd)
		if err != nil {
			return err
		}
		q := url.Values{}
		for flag, key := range strFlags {
			if f.Changed(flag) {
				v, _ := f.GetString(flag)
				q.Set(key, v)
			}
		}
		for flag, key := range map[string]string{"blocked": "Blocked", "onboarding-finished": "OnboardingFinished"} {
			if f.Changed(flag) {
				v, _ := f.GetBool(flag)
				q.Set(key, fmt.Sprint(v))
			}
		}
		var res struct{ Data instanceDoc }
		if err := newAdminClient(cfg).do(cmd.Context(), "PATCH", "/instances/"+url.PathEscape(args[0]), q, &res); err != nil {
			return err
		}
		fmt.Printf("Instance updated with success for domain %s\n", res.Data.Attributes.Domain)
		return nil
	}
	return cmd
}

func instancesSetPassphraseCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "set-passphrase <domain> <new-passphrase>",
		Short: "Change the passphrase of the instance",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			q := url.Values{"Passphrase": {args[1]}}
			if err := newAdminClient(cfg).do(cmd.Context(), "PATCH", "/instances/"+url.PathEscape(args[0]), q, nil); err != nil {
				return err
			}
			fmt.Printf("Passphrase has been changed for %s\n", args[0])
			return nil
		},
	}
}

func instancesRmCmd() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:     "rm <domain>",
		Aliases: []string{"destroy"},
		Short:   "Remove the instance of the specified domain, and all its data",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			if !force {
				fmt.Fprintf(os.Stderr, "Are you sure you want to remove instance %s and all its data? [y/N] ", args[0])
				var answer string
				fmt.Scanln(&answer)
				if !strings.EqualFold(strings.TrimSpace(answer), "y") {
					return fmt.Errorf("aborted")
				}
			}
			if err := newAdminClient(cfg).do(cmd.Context(), "DELETE", "/instances/"+url.PathEscape(args[0]), nil, nil); err != nil {
				return err
			}
			fmt.Printf("Instance for domain %s has been destroyed with success\n", args[0])
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "Force the deletion without asking for confirmation")
	return cmd
}

// tokenCmd builds the token-* commands; they print the token alone on
// stdout so that scripts can capture it.
func tokenCmd(use, argsUsage, short, audience string, nargs int, withExpire bool) *cobra.Command {
	var expire time.Duration
	cmd := &cobra.Command{
		Use:   use + " " + argsUsage,
		Short: short,
		Args:  cobra.MinimumNArgs(nargs),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			q := url.Values{"Domain": {args[0]}, "Audience": {audience}}
			switch audience {
			case "cli":
				q.Set("Scope", strings.Join(args[1:], " "))
			case "access":
				q.Set("Subject", args[1])
				q.Set("Scope", strings.Join(args[2:], " "))
			default:
				if len(args) != nargs {
					return fmt.Errorf("expected %d arguments: %s", nargs, argsUsage)
				}
				q.Set("Subject", args[1])
			}
			if expire > 0 {
				q.Set("Expire", expire.String())
			}
			var raw []byte
			if err := newAdminClient(cfg).do(cmd.Context(), "POST", "/instances/token", q, &raw); err != nil {
				return err
			}
			fmt.Println(string(raw))
			return nil
		},
	}
	if withExpire {
		cmd.Flags().DurationVar(&expire, "expire", 0, "Make the token expires in this amount of time, as a duration string, e.g. \"1h\"")
	}
	return cmd
}

func instancesClientOAuthCmd() *cobra.Command {
	var asJSON, allowLogin bool
	cmd := &cobra.Command{
		Use:   "client-oauth <domain> <redirect_uri> <client_name> <software_id>",
		Short: "Register a new OAuth client",
		Args:  cobra.ExactArgs(4),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			q := url.Values{"Domain": {args[0]}, "RedirectURI": {args[1]}, "ClientName": {args[2]}, "SoftwareID": {args[3]},
				"AllowLoginScope": {fmt.Sprint(allowLogin)}}
			var client map[string]any
			if err := newAdminClient(cfg).do(cmd.Context(), "POST", "/instances/oauth_client", q, &client); err != nil {
				return err
			}
			if asJSON {
				out, _ := json.MarshalIndent(client, "", "  ")
				fmt.Println(string(out))
				return nil
			}
			fmt.Println(client["client_id"])
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "Output more informations in JSON format")
	cmd.Flags().BoolVar(&allowLogin, "allow-login-scope", false, "Allow login scope")
	return cmd
}
