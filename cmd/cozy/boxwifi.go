package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os/exec"

	"github.com/cozypi/cozy/pkg/wifi"
	"github.com/spf13/cobra"
)

// newBoxWifiCmd is run at every boot by cozy-wifi.service: the Wi-Fi the
// household typed in Raspberry Pi Imager.
func newBoxWifiCmd() *cobra.Command {
	var noStart bool
	cmd := &cobra.Command{
		Use:   "wifi",
		Short: "Set up Wi-Fi from the boot partition's network-config (run at every boot)",
		Long: `Run by cozy-wifi.service at every boot, as root, before systemd-networkd.
Reads the Wi-Fi part of /boot/firmware/network-config, the cloud-init file
Raspberry Pi Imager writes when a network name, password and country are
typed in its OS customisation, and writes wpa_supplicant's configuration
for wlan0 (/run/cozy/wifi/, mode 0600) and a systemd-networkd .network
(DHCP, mDNS), then starts wpa_supplicant@wlan0.service. Nothing else of
the file, and no other cloud-init file, is used. A missing file leaves
Wi-Fi off; an invalid one is logged and ignored: the boot goes on.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			cfg, err := wifi.Apply(cmd.Context(), wifi.DefaultPaths, log)
			if errors.Is(err, wifi.ErrInvalid) {
				// The household's file is wrong, not the box: said clearly,
				// and the boot goes on without Wi-Fi.
				log.Error("wifi: network-config ignored, Wi-Fi is not set up", "err", err)
				return nil
			}
			if err != nil || cfg == nil || noStart {
				return err
			}
			// --no-block: the unit waits for wlan0 to appear (the radio's
			// driver and firmware load meanwhile); the boot does not.
			unit := "wpa_supplicant@" + wifi.Interface + ".service"
			if out, err := exec.CommandContext(cmd.Context(), "systemctl", "start", "--no-block", unit).CombinedOutput(); err != nil {
				return fmt.Errorf("starting %s: %w: %s", unit, err, out)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&noStart, "no-start", false, "only write the files, do not start wpa_supplicant")
	return cmd
}
