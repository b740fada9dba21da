package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cozypi/cozy/pkg/build"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func newStatusCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Check if the HTTP server is running",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			var raw []byte
			if err := newAdminClient(cfg).do(cmd.Context(), "GET", "/status", nil, &raw); err != nil {
				return err
			}
			var st map[string]any
			if json.Unmarshal(raw, &st) != nil || st["status"] != "OK" {
				return fmt.Errorf("the server is not healthy: %s", bytes.TrimSpace(raw))
			}
			fmt.Println("OK, the HTTP server is ready.")
			printBoxServerStatus(cmd.Context(), newAdminClient(cfg))
			return nil
		},
	}
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version number",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, args []string) {
			b := build.Current()
			fmt.Println(b.Version)
			if b.BuildTime != "" {
				fmt.Printf("built %s with %s (%s)\n", b.BuildTime, b.RuntimeVersion, b.BuildMode)
			}
		},
	}
}

func newConfigCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Show and manage configuration elements"}
	cmd.AddCommand(&cobra.Command{
		Use:     "passwd [filepath]",
		Short:   "Generate the hashed admin passphrase file",
		Long:    "Asks for a passphrase (or reads COZY_ADMIN_PASSPHRASE) and writes its Argon2id hash to the file, by default ~/.cozy/cozy-admin-passphrase.",
		Example: "$ cozy config passwd ~/.cozy/cozy-admin-passphrase",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := ""
			if len(args) == 1 {
				path = args[0]
			} else {
				home, err := os.UserHomeDir()
				if err != nil {
					return err
				}
				path = filepath.Join(home, ".cozy", "cozy-admin-passphrase")
			}
			pass := os.Getenv("COZY_ADMIN_PASSPHRASE")
			if pass == "" {
				var err error
				if pass, err = readNewPassphrase(); err != nil {
					return err
				}
			}
			if len(pass) < 8 {
				return errors.New("the admin passphrase needs at least 8 characters")
			}
			hash, err := newHasher().Hash(cmd.Context(), []byte(pass))
			if err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				return err
			}
			if err := os.WriteFile(path, []byte(hash+"\n"), 0o600); err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "Hashed passphrase written in %s\n", path)
			return nil
		},
	})
	return cmd
}

func readNewPassphrase() (string, error) {
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return "", errors.New("no terminal to ask the passphrase: set COZY_ADMIN_PASSPHRASE")
	}
	fmt.Fprint(os.Stderr, "Passphrase: ")
	a, err := term.ReadPassword(fd)
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return "", err
	}
	fmt.Fprint(os.Stderr, "Confirmation: ")
	b, err := term.ReadPassword(fd)
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return "", err
	}
	if string(a) != string(b) {
		return "", errors.New("passphrases do not match")
	}
	return string(a), nil
}

// printBoxServerStatus adds the household box's state to `cozy status` when
// the server is a box: its setup and its certificates.
func printBoxServerStatus(ctx context.Context, c *adminClient) {
	var raw []byte
	if err := c.do(ctx, "GET", "/box", nil, &raw); err != nil {
		return // not a box (404) or an older server
	}
	var b struct {
		Name      string `json:"name"`
		SetupOpen bool   `json:"setup_open"`
		Household string `json:"household"`
		Mode      string `json:"https_mode"`
		HTTPS     struct {
			State       string    `json:"state"`
			Names       []string  `json:"names"`
			Expiry      time.Time `json:"expiry"`
			NextRenewal time.Time `json:"next_renewal"`
			LastError   string    `json:"last_error"`
		} `json:"https"`
	}
	if json.Unmarshal(raw, &b) != nil {
		return
	}
	if b.SetupOpen {
		fmt.Printf("Box %s.local: waiting for its first-boot setup at http://%s.local\n", b.Name, b.Name)
		return
	}
	fmt.Printf("Box %s.local of %s, HTTPS %s: %s\n", b.Name, b.Household, b.Mode, b.HTTPS.State)
	if len(b.HTTPS.Names) > 0 {
		fmt.Printf("  certificates for %s\n", strings.Join(b.HTTPS.Names, ", "))
	}
	if !b.HTTPS.Expiry.IsZero() {
		fmt.Printf("  expire %s, renewal from %s\n", b.HTTPS.Expiry.Format(time.RFC3339), b.HTTPS.NextRenewal.Format(time.RFC3339))
	}
	if b.HTTPS.LastError != "" {
		fmt.Printf("  last error: %s\n", b.HTTPS.LastError)
	}
}
