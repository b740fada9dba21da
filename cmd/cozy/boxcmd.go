package main

import (
	"fmt"
	"io"
	"time"

	"github.com/cozypi/cozy/pkg/update"
	"github.com/spf13/cobra"
)

// newBoxCmd groups the commands about the box itself (its image, slots
// and data partition), as opposed to the server's instances.
func newBoxCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "box", Short: "Show the state of the household box (SD-card image, root slots, data)"}
	cmd.AddCommand(&cobra.Command{
		Use:   "status",
		Short: "Show the image version, the root slots, the data partition and the last update",
		Long: `Shows what runs on the box: the image's version and board, both root slots
(device, size, version; which one runs, which one a normal boot starts,
which one is on trial), the data partition with the household's files, and
the last update's outcome. Only on a box booted from the image.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := update.System{Root: "/"}.Status(cmd.Context())
			if err != nil {
				return err
			}
			printImageStatus(cmd.OutOrStdout(), st)
			return nil
		},
	})
	cmd.AddCommand(newBoxKeygenCmd(), newBoxBundleCmd(), newBoxUpdateCmd(), newBoxCommitCmd(), newBoxWifiCmd())
	return cmd
}

func printImageStatus(w io.Writer, st update.Status) {
	built := ""
	if !st.Release.Created.IsZero() {
		built = ", built " + st.Release.Created.Format(time.RFC3339)
	}
	fmt.Fprintf(w, "Image:   cozy %s for %s (kernel %s%s)\n", st.Release.Version, st.Release.Board, st.Release.Kernel, built)
	for _, slot := range []update.Slot{update.SlotA, update.SlotB} {
		p := st.Slots[slot]
		where := "empty"
		if p.Device != "" {
			where = fmt.Sprintf("%s, %s", p.Device, humanBytes(p.Size))
		}
		if v := st.Versions[slot]; v != "" {
			where += ", cozy " + v
		}
		fmt.Fprintf(w, "Slot %s:  %s (%s; %s)\n", slot, p.Label, where, slotRole(st, slot))
	}
	fmt.Fprintf(w, "Data:    %s on %s, %s, %s free\n", update.DataDir, st.Data.Device,
		humanBytes(st.DataUse.Size), humanBytes(st.DataUse.Free))
	if l := st.Last; l != nil {
		line := fmt.Sprintf("Update:  cozy %s to slot %s: %s", l.Version, l.Slot, l.Outcome)
		if l.Error != "" {
			line += " (" + l.Error + ")"
		}
		line += "; started " + l.Started.Format(time.RFC3339)
		if l.Finished != nil {
			line += ", ended " + l.Finished.Format(time.RFC3339)
		}
		fmt.Fprintln(w, line)
		if p := st.Progress; p != nil {
			fmt.Fprintf(w, "         %s: %d%% (%s of %s)\n", p.Phase, p.Percent(), humanBytes(p.Done), humanBytes(p.Total))
		}
	}
}

// slotRole says what a slot is for: running, committed (what a normal
// boot starts), on trial, or spare.
func slotRole(st update.Status, slot update.Slot) string {
	running, committed := slot == st.Booted, slot == st.Committed
	switch {
	case running && (committed || st.Committed == ""):
		return "running, read-only"
	case running:
		return "running on trial: committed once healthy, else the next boot starts slot " + string(st.Committed)
	case committed:
		return "committed: the next normal boot starts it"
	case st.Last != nil && st.Last.Slot == slot && st.Last.Outcome == update.Trying:
		return "written, tried at the next boot"
	default:
		return "spare, an update writes it"
	}
}

// humanBytes writes a size in binary units, one decimal.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
