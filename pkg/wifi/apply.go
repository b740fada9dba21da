package wifi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/cozypi/cozy/pkg/atomicfile"
)

// Paths says where Apply reads and writes; the box uses DefaultPaths.
type Paths struct {
	// Source is Imager's network-config on the boot partition.
	Source string
	// WPAConfig is wpa_supplicant's configuration for the interface, as
	// wpa_supplicant@wlan0.service's drop-in expects it.
	WPAConfig string
	// Networkd is the .network file for the interface, in a directory
	// systemd-networkd reads.
	Networkd string
}

// DefaultPaths are the box's: the root is read-only, so what is generated
// lives in /run and is made again at every boot.
var DefaultPaths = Paths{
	Source:    "/boot/firmware/network-config",
	WPAConfig: "/run/cozy/wifi/wpa_supplicant-" + Interface + ".conf",
	Networkd:  "/run/systemd/network/25-cozy-wifi.network",
}

// Apply reads the network-config and, when it has a valid Wi-Fi part,
// writes the interface's wpa_supplicant configuration (mode 0600) and its
// .network file. It returns the configuration applied, or a nil one and
// no error when there is no network-config. An invalid file is refused
// (the error wraps ErrInvalid) and nothing is written; a file already
// written by an earlier call is removed then, so that a refused file never
// leaves an older network behind.
func Apply(ctx context.Context, p Paths, log *slog.Logger) (*Config, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := readBounded(p.Source)
	if errors.Is(err, fs.ErrNotExist) {
		log.Info("wifi: no network-config on the boot partition: Wi-Fi is not set up", "path", p.Source)
		return nil, removeGenerated(p)
	}
	if err != nil {
		return nil, err
	}
	cfg, err := Parse(data)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("%s: %w", p.Source, err), removeGenerated(p))
	}
	for _, what := range cfg.Ignored {
		log.Warn("wifi: network-config: ignored", "what", what)
	}
	if err := writeFile(p.WPAConfig, cfg.WPASupplicant(), 0o600, 0o700); err != nil {
		return nil, err
	}
	if err := writeFile(p.Networkd, cfg.Networkd(), 0o644, 0o755); err != nil {
		return nil, err
	}
	ssids := make([]string, len(cfg.Networks))
	for i, n := range cfg.Networks {
		ssids[i] = n.SSID
	}
	log.Info("wifi: set up", "interface", Interface, "networks", ssids, "country", cfg.Country)
	return &cfg, nil
}

// readBounded reads at most MaxSize+1 bytes, so that Parse refuses a
// larger file without it being read whole.
func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return data, nil
}

func removeGenerated(p Paths) error {
	var errs []error
	for _, f := range []string{p.WPAConfig, p.Networkd} {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// writeFile makes path's directory (dirMode) and replaces path with data
// through atomicfile: created with its final mode, the PSKs are never
// readable by others, even for a moment.
func writeFile(path string, data []byte, mode, dirMode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), dirMode); err != nil {
		return fmt.Errorf("wifi: %w", err)
	}
	if err := atomicfile.WriteFile(path, data, mode); err != nil {
		return fmt.Errorf("wifi: %w", err)
	}
	return nil
}
