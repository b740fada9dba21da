package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/spf13/cobra"
)

// newJobsCmds returns the `jobs` and `triggers` command groups.
func newJobsCmds() []*cobra.Command {
	jobs := &cobra.Command{Use: "jobs <command>", Short: "Run jobs on an instance"}
	jobs.AddCommand(jobsRunCmd())
	triggers := &cobra.Command{Use: "triggers <command>", Short: "List and launch the triggers of an instance"}
	triggers.AddCommand(triggersLsCmd(), triggersLaunchCmd())
	return []*cobra.Command{jobs, triggers}
}

// jobPath is the admin API path of an instance's jobs or triggers.
func jobPath(domain string, parts ...string) string {
	p := "/instances/" + url.PathEscape(domain)
	for _, s := range parts {
		p += "/" + url.PathEscape(s)
	}
	return p
}

type cliJob struct {
	ID    string `json:"_id"`
	State string `json:"state"`
	Error string `json:"error"`
}

func printJSON(cmd *cobra.Command, v json.RawMessage) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, v, "", "  "); err != nil {
		return err
	}
	buf.WriteByte('\n')
	_, err := cmd.OutOrStdout().Write(buf.Bytes())
	return err
}

// waitJob polls a job until it is done or errored, then prints it.
func waitJob(cmd *cobra.Command, a *adminClient, domain, id string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
	defer cancel()
	for {
		var raw json.RawMessage
		if err := a.do(ctx, http.MethodGet, jobPath(domain, "jobs", id), nil, &raw); err != nil {
			return err
		}
		var j cliJob
		if err := json.Unmarshal(raw, &j); err != nil {
			return fmt.Errorf("admin API: bad job: %w", err)
		}
		if j.State == "done" || j.State == "errored" {
			if err := printJSON(cmd, raw); err != nil {
				return err
			}
			if j.State == "errored" {
				return fmt.Errorf("job %s failed: %s", id, j.Error)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("job %s still %s: %w", id, j.State, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func jobsRunCmd() *cobra.Command {
	var domain, args string
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "run <worker>",
		Short: "Queue a job for a worker and wait for its end (--wait 0 to only queue it)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			if domain == "" {
				return errors.New("--domain is required")
			}
			if args != "" && !json.Valid([]byte(args)) {
				return errors.New("--json must be valid JSON")
			}
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			body := []byte(`{}`)
			if args != "" {
				body = []byte(`{"arguments":` + args + `}`)
			}
			client := newAdminClient(cfg)
			var raw json.RawMessage
			if err := client.send(cmd.Context(), http.MethodPost, jobPath(domain, "jobs", "queue", a[0]), nil, body, &raw); err != nil {
				return err
			}
			var j cliJob
			if err := json.Unmarshal(raw, &j); err != nil {
				return fmt.Errorf("admin API: bad job: %w", err)
			}
			if wait <= 0 {
				return printJSON(cmd, raw)
			}
			return waitJob(cmd, client, domain, j.ID, wait)
		},
	}
	cmd.Flags().StringVar(&domain, "domain", "", "The instance domain")
	cmd.Flags().StringVar(&args, "json", "", "The job's arguments, as JSON")
	cmd.Flags().DurationVar(&wait, "wait", 5*time.Minute, "How long to wait for the job to finish (0: do not wait)")
	return cmd
}

func triggersLsCmd() *cobra.Command {
	var domain string
	cmd := &cobra.Command{
		Use:   "ls",
		Short: "List the triggers of an instance, as JSON",
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
			if err := newAdminClient(cfg).do(cmd.Context(), http.MethodGet, jobPath(domain, "triggers"), nil, &raw); err != nil {
				return err
			}
			return printJSON(cmd, raw)
		},
	}
	cmd.Flags().StringVar(&domain, "domain", "", "The instance domain")
	return cmd
}

func triggersLaunchCmd() *cobra.Command {
	var domain string
	cmd := &cobra.Command{
		Use:   "launch <trigger-id>",
		Short: "Launch a trigger now and print the queued job",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			if domain == "" {
				return errors.New("--domain is required")
			}
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			var raw json.RawMessage
			if err := newAdminClient(cfg).send(cmd.Context(), http.MethodPost, jobPath(domain, "triggers", a[0], "launch"), nil, nil, &raw); err != nil {
				return err
			}
			return printJSON(cmd, raw)
		},
	}
	cmd.Flags().StringVar(&domain, "domain", "", "The instance domain")
	return cmd
}
