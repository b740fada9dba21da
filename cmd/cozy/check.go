package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/spf13/cobra"
)

func newCheckCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "check", Short: "A set of tools to check that instances are in the expected state"}
	var repair, md5 bool
	fs := &cobra.Command{
		Use:   "fs <domain>",
		Short: "Check and repair the consistency between the files' documents and their contents",
		Long: `Lists what a crash could leave in an instance's files: contents no document
points to, temporary files, documents whose content or parent is missing,
sizes or checksums that differ. With --repair, fixes what can be fixed.
Exits with an error when problems remain.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			return checkFS(cmd.Context(), cfg, args[0], repair, md5)
		},
	}
	fs.Flags().BoolVar(&repair, "repair", false, "Repair the problems found (remove orphans, drop documents without content)")
	fs.Flags().BoolVar(&md5, "verify-md5", false, "Also read every content and compare its MD5 checksum")
	cmd.AddCommand(fs)
	return cmd
}

type fsProblem struct {
	Kind     string `json:"type"`
	FileID   string `json:"file_id"`
	Path     string `json:"path"`
	Detail   string `json:"detail"`
	Repaired bool   `json:"repaired"`
}

// checkFS asks the server, which holds the files' lock, to check: it gets a
// CLI token from the admin API and calls /files/fsck on the public listener.
func checkFS(ctx context.Context, cfg *config.Config, domain string, repair, md5 bool) error {
	var raw []byte
	q := url.Values{"Domain": {domain}, "Audience": {"cli"}, "Scope": {"io.cozy.files"}}
	if err := newAdminClient(cfg).do(ctx, "POST", "/instances/token", q, &raw); err != nil {
		return err
	}
	method := http.MethodGet
	if repair {
		method = http.MethodPost
	}
	target := "http://" + cfg.ServerAddr() + "/files/fsck"
	if md5 {
		target += "?VerifyMD5=true"
	}
	req, err := http.NewRequestWithContext(ctx, method, target, nil)
	if err != nil {
		return err
	}
	req.Host = domain
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(raw)))
	res, err := (&http.Client{Timeout: 2 * time.Hour}).Do(req)
	if err != nil {
		return fmt.Errorf("server at %s: %w", cfg.ServerAddr(), err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
		return apiError(res.StatusCode, body)
	}
	found, left := 0, 0
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var p fsProblem
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			return fmt.Errorf("bad answer from the server: %w", err)
		}
		found++
		state := "found"
		if p.Repaired {
			state = "repaired"
		} else {
			left++
		}
		what := p.Path
		if what == "" {
			what = p.FileID
		}
		fmt.Printf("%-8s %-18s %s %s\n", state, p.Kind, what, p.Detail)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading the server's answer: %w", err)
	}
	switch {
	case found == 0:
		fmt.Println("No problem found.")
	case left > 0:
		return fmt.Errorf("%d problem(s) found, %d not repaired", found, left)
	default:
		fmt.Printf("%d problem(s) repaired.\n", found)
	}
	return nil
}
