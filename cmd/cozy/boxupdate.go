package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cozypi/cozy/pkg/update"
	"github.com/spf13/cobra"
)

// goFlags runs a command's arguments through the standard flag package,
// which takes both -key and --key: the image's build scripts and the
// update contract spell the bundle flags with one dash, which cobra's
// flags read as shorthands.
func goFlags(cmd *cobra.Command, args []string, define func(fs *flag.FlagSet)) (*flag.FlagSet, error) {
	fs := flag.NewFlagSet(cmd.CommandPath(), flag.ContinueOnError)
	fs.SetOutput(cmd.ErrOrStderr())
	define(fs)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: cozy box %s\n\n%s\n\nFlags:\n", cmd.Use, cmd.Long)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return fs, nil
}

func newBoxKeygenCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "keygen -o PREFIX",
		Short: "Make the key pair that signs update bundles",
		Long: `Writes PREFIX.key (the ed25519 signing key, mode 0600: keep it secret and
safe, every box built with PREFIX.pub trusts what it signs) and PREFIX.pub
(the public key the image bakes into /usr/lib/cozy/update-keys/). Never
overwrites an existing file.`,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			var prefix string
			fs, err := goFlags(cmd, args, func(fs *flag.FlagSet) {
				fs.StringVar(&prefix, "o", "", "PREFIX of the key files (PREFIX.key, PREFIX.pub)")
			})
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			if err != nil {
				return err
			}
			if prefix == "" || fs.NArg() > 0 {
				return errors.New("usage: cozy box keygen -o PREFIX")
			}
			if _, err := update.GenerateKey(prefix); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s.key (secret) and %s.pub\n", prefix, prefix)
			return nil
		},
	}
}

func newBoxBundleCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "bundle -key K.key -board B -version V -kernel KVER -boot DIR -root ROOT.ext4 -o OUT",
		Short: "Build a signed update bundle (on the build host)",
		Long: `Builds an update bundle: a tar stream holding manifest.json (versions,
sizes and sha256 of every payload), its ed25519 signature by K.key, the
boot files of DIR (a flat slot directory: vmlinuz, initrd.img, cmdline.txt
with root=LABEL=cozy-root-@SLOT@, device trees; "version" is written from
-version) and ROOT.ext4 gzip-compressed. The image is compressed in
parallel chunks and never held in memory; OUT appears only when complete.
The manifest's build date is SOURCE_DATE_EPOCH when set (image.mk sets
it to the commit time, as the image's COZY_CREATED), else now: a box
refuses a bundle older than what it runs.`,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			var key, out string
			var spec update.BundleSpec
			fs, err := goFlags(cmd, args, func(fs *flag.FlagSet) {
				fs.StringVar(&key, "key", "", "signing key file (cozy box keygen)")
				fs.StringVar(&spec.Board, "board", "", "board: "+strings.Join(update.Boards, ", "))
				fs.StringVar(&spec.Version, "version", "", "version of the image")
				fs.StringVar(&spec.Kernel, "kernel", "", "kernel release of the image")
				fs.StringVar(&spec.BootDir, "boot", "", "directory of the slot's boot files")
				fs.StringVar(&spec.Root, "root", "", "root file system image (ext4)")
				fs.StringVar(&out, "o", "", "bundle file to write")
				fs.IntVar(&spec.Level, "level", 1, "gzip level, 1 (fast) to 9 (small)")
				fs.IntVar(&spec.Workers, "j", 0, "compression workers (0: one per CPU)")
			})
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			if err != nil {
				return err
			}
			if key == "" || spec.Board == "" || spec.Version == "" || spec.BootDir == "" || spec.Root == "" || out == "" || fs.NArg() > 0 {
				return errors.New("usage: cozy box " + cmd.Use)
			}
			if spec.Key, err = update.LoadPrivateKey(key); err != nil {
				return err
			}
			if spec.Created, err = sourceDate(); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			spec.Log = func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
			start := time.Now()
			m, err := update.WriteBundle(cmd.Context(), out, spec)
			if err != nil {
				return err
			}
			info, err := os.Stat(out)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "wrote %s: cozy %s for %s, %d boot files, root %d MiB, bundle %d MiB, in %s\n",
				out, m.Version, m.Board, len(m.Boot), m.Root.Size>>20, info.Size()>>20, time.Since(start).Round(100*time.Millisecond))
			return nil
		},
	}
}

// sourceDate is the build date the reproducible-builds convention gives
// in SOURCE_DATE_EPOCH (seconds); zero (WriteBundle then takes now) when
// it is unset or 0, image.mk's value outside git.
func sourceDate() (time.Time, error) {
	v := os.Getenv("SOURCE_DATE_EPOCH")
	if v == "" {
		return time.Time{}, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a count of seconds", v)
	}
	if n == 0 {
		return time.Time{}, nil
	}
	return time.Unix(n, 0).UTC(), nil
}

func newBoxUpdateCmd() *cobra.Command {
	var noReboot, staged, allowDowngrade bool
	cmd := &cobra.Command{
		Use:   "update [--no-reboot] [--allow-downgrade] FILE|URL | --staged",
		Short: "Install a signed update bundle in the spare root slot, then try it",
		Long: `Checks the bundle (signature by a key of /usr/lib/cozy/update-keys/, board,
size) before writing anything, writes the spare root slot and its boot
files (hashed while written), and reboots to try the new slot once. The
new slot becomes the default only when it reports healthy (cozy box
commit, at every boot); otherwise the box comes back on the current one.
As root on the box it applies the bundle itself (a URL is applied while it
downloads); otherwise it sends the bundle (or the URL) to the server's
admin API, which checks and stages it for its root unit, and follows the
progress. --staged applies the bundle the server staged (the
cozy-update.service unit runs it).
A bundle built before the running system is refused: an old bundle, even
validly signed, brings back its flaws. --allow-downgrade installs it
anyway (logged).`,
		Args: func(cmd *cobra.Command, args []string) error {
			if staged && len(args) == 0 || !staged && len(args) == 1 {
				return nil
			}
			return errors.New("give one FILE or URL, or --staged")
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			u := &update.Updater{System: update.System{Root: "/"}, Out: cmd.OutOrStdout()}
			opt := update.ApplyOptions{NoReboot: noReboot, AllowDowngrade: allowDowngrade}
			if staged {
				if allowDowngrade {
					return errors.New("--staged takes the override the server recorded; --allow-downgrade goes with FILE|URL")
				}
				return applyStaged(cmd.Context(), u, opt)
			}
			if os.Geteuid() != 0 || !onBox() {
				// The unprivileged way: the server checks and stages the
				// bundle, its root unit applies it.
				cfg, err := loadConfig(cmd)
				if err != nil {
					return err
				}
				return updateThroughAdmin(cmd.Context(), newAdminClient(cfg), cmd.OutOrStdout(), args[0], allowDowngrade)
			}
			return applyFrom(cmd.Context(), u, args[0], opt)
		},
	}
	cmd.Flags().BoolVar(&noReboot, "no-reboot", false, "leave the one-try boot armed without rebooting")
	cmd.Flags().BoolVar(&staged, "staged", false, "apply the bundle staged by the server (then remove it)")
	cmd.Flags().BoolVar(&allowDowngrade, "allow-downgrade", false, "install a bundle built before the running system")
	return cmd
}

// applyFrom is the root's way: it applies the bundle of a file or a URL
// itself.
func applyFrom(ctx context.Context, u *update.Updater, src string, opt update.ApplyOptions) error {
	r, closeFn, err := openBundle(ctx, src)
	if err != nil {
		return err
	}
	defer closeFn()
	_, err = u.Apply(ctx, r, opt)
	return err
}

// openBundle opens a file, or streams a URL (applied while it downloads).
func openBundle(ctx context.Context, src string) (io.Reader, func(), error) {
	if strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://") {
		body, _, release, err := update.Download(ctx, nil, src)
		if err != nil {
			return nil, nil, err
		}
		return body, release, nil
	}
	f, err := os.Open(src)
	if err != nil {
		return nil, nil, err
	}
	return f, func() { f.Close() }, nil
}

// applyStaged applies the bundle the server left in the state directory
// and removes it whatever the outcome, so that cozy-update.path does not
// start the unit again for the same file. A downgrade override the server
// recorded with it (the admin API's allow_downgrade) goes into opt, for
// that bundle only, and is removed with it.
func applyStaged(ctx context.Context, u *update.Updater, opt update.ApplyOptions) error {
	p := u.StagedPath()
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintln(u.Out, "no staged bundle")
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	defer os.Remove(p)
	defer os.Remove(u.StagedOverridePath())
	if opt.Staged, err = u.StagedOverride(); err != nil {
		// An override that does not read allows nothing; the date
		// check still refuses an older bundle.
		fmt.Fprintf(u.Out, "ignoring the staged downgrade override: %v\n", err)
		opt.Staged = nil
	}
	_, err = u.Apply(ctx, f, opt)
	return err
}

func newBoxCommitCmd() *cobra.Command {
	var deadline time.Duration
	var statusURL string
	cmd := &cobra.Command{
		Use:   "commit",
		Short: "Keep a newly tried root slot when it is healthy (run at every boot)",
		Long: `Run by cozy-update-commit.service at every boot, as root. When the box runs
a slot on its one try (the slot differs from config.txt's), it waits for
cozy.service to be active (READY=1) and /status to answer OK, then makes
the slot the default; unhealthy at the deadline (5 minutes, or the kernel
command line's cozy.commit_deadline=SECONDS), it records the failure and
reboots: the firmware then starts the committed slot. On a normal boot it
records a rollback of a slot tried earlier.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			u := &update.Updater{System: update.System{Root: "/"}, Out: cmd.OutOrStdout()}
			opt := update.CommitOptions{Deadline: deadline}
			if statusURL != "" {
				opt.Health = update.Healthy("cozy.service", statusURL)
			}
			_, err := u.Commit(cmd.Context(), opt)
			return err
		},
	}
	cmd.Flags().DurationVar(&deadline, "deadline", 0, "how long the trial has to become healthy (default: cozy.commit_deadline= or 5m)")
	cmd.Flags().StringVar(&statusURL, "status-url", "", "the server's status URL (default http://127.0.0.1/status)")
	return cmd
}

// onBox tells whether this system was booted from the box's image.
func onBox() bool {
	cmdline, err := os.ReadFile("/proc/cmdline")
	if err != nil {
		return false
	}
	_, err = update.SlotFromCmdline(string(cmdline))
	return err == nil
}

// updateThroughAdmin stages a bundle through POST /box/update, then
// follows GET /box/update until the root updater has written the slot
// (the box then reboots) or failed.
func updateThroughAdmin(ctx context.Context, a *adminClient, w io.Writer, src string, allowDowngrade bool) error {
	var before update.Report
	if err := a.do(ctx, http.MethodGet, "/box/update", nil, &before); err != nil {
		return err // also asks for the passphrase on a terminal
	}
	var body io.Reader
	var size int64 = -1
	contentType := "application/octet-stream"
	if strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://") {
		data, _ := json.Marshal(map[string]string{"url": src})
		body, contentType = bytes.NewReader(data), "application/json"
		fmt.Fprintf(w, "asking the box to download %s\n", src)
	} else {
		f, err := os.Open(src)
		if err != nil {
			return err
		}
		defer f.Close()
		if info, err := f.Stat(); err == nil {
			size = info.Size()
		}
		body = f
		fmt.Fprintf(w, "sending %s (%s) to the box\n", src, humanBytes(max(size, 0)))
	}
	target := a.base + "/box/update"
	if allowDowngrade {
		target += "?allow_downgrade=true"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, body)
	if err != nil {
		return err
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", contentType)
	if a.passphrase != "" {
		req.SetBasicAuth("", a.passphrase)
	}
	res, err := (&http.Client{}).Do(req) // no overall timeout: hundreds of MB
	if err != nil {
		return fmt.Errorf("admin API at %s: %w", a.base, err)
	}
	data, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		return apiError(res.StatusCode, bytes.TrimSpace(data))
	}
	var staged struct{ Version, Board string }
	json.Unmarshal(data, &staged)
	fmt.Fprintf(w, "bundle checked and staged: cozy %s for %s; the box's updater applies it\n", staged.Version, staged.Board)
	return followUpdate(ctx, a, w, before.State, 30*time.Minute)
}

// followUpdate polls GET /box/update until a new state record ends the
// apply. A box that stops answering after the slot is written is
// rebooting.
func followUpdate(ctx context.Context, a *adminClient, w io.Writer, before *update.State, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	shown := ""
	var consumed time.Time // when the root unit took the staged bundle
	for {
		var r update.Report
		err := a.do(ctx, http.MethodGet, "/box/update", nil, &r)
		switch {
		case err != nil && ctx.Err() != nil:
			return fmt.Errorf("the update did not end within %s", limit)
		case err != nil && shown != "":
			fmt.Fprintln(w, "the box stopped answering: it reboots into the new slot (cozy box status tells the outcome once it is back)")
			return nil
		case err != nil:
			return err
		}
		fresh := r.State != nil && (before == nil || !r.State.Started.Equal(before.Started))
		if !r.Staged && !fresh {
			// The unit took the bundle but wrote no record: it stopped
			// before reading it (see journalctl -u cozy-update).
			if consumed.IsZero() {
				consumed = time.Now()
			} else if time.Since(consumed) > 30*time.Second {
				return errors.New("the box's updater took the bundle but recorded nothing: see journalctl -u cozy-update on the box")
			}
		}
		if st := r.State; fresh {
			line := string(st.Outcome)
			if p := r.Progress; p != nil && st.Outcome == update.Applying {
				line = fmt.Sprintf("%s %d%%", p.Phase, p.Percent()/10*10)
			}
			if line != shown {
				shown = line
				fmt.Fprintf(w, "  %s\n", line)
			}
			switch st.Outcome {
			case update.Trying:
				fmt.Fprintf(w, "slot %s holds cozy %s; the box reboots to try it\n", st.Slot, st.Version)
				return nil
			case update.Refused, update.Aborted:
				return fmt.Errorf("update %s: %s", st.Outcome, st.Error)
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the update did not end within %s", limit)
		case <-t.C:
		}
	}
}
