package main

import (
	"fmt"
	"io"

	"github.com/cozypi/cozy/pkg/update"
	"github.com/spf13/cobra"
)

// newBoxCmd groups the commands about the box itself (its image, slots
// and data partition), as opposed to the server's instances.
func newBoxCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "box", Short: "Show the state of the household box (SD-card image, root slots, data)"}
	cmd.AddCommand(&cobra.Command{
		Use:   "status",
		Short: "Show the image version, the running root slot and the data partition",
		Long: `Shows what runs on the box: the image's version and board, the root slot
it booted from (A or B; an update writes the other one) and the data
partition with the household's files. Only on a box booted from the image.`,
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
	cmd.AddCommand(newBoxKeygenCmd(), newBoxBundleCmd(), newBoxUpdateCmd())
	return cmd
}

func printImageStatus(w io.Writer, st update.Status) {
	fmt.Fprintf(w, "Image:   cozy %s for %s (kernel %s)\n", st.Release.Version, st.Release.Board, st.Release.Kernel)
	for _, slot := range []update.Slot{update.SlotA, update.SlotB} {
		p := st.Slots[slot]
		role := "spare, an update writes it"
		if slot == st.Booted {
			role = "running, read-only"
		}
		where := "empty"
		if p.Device != "" {
			where = fmt.Sprintf("%s, %s", p.Device, humanBytes(p.Size))
		}
		fmt.Fprintf(w, "Slot %s:  %s (%s; %s)\n", slot, p.Label, where, role)
	}
	fmt.Fprintf(w, "Data:    %s on %s, %s, %s free\n", update.DataDir, st.Data.Device,
		humanBytes(st.DataUse.Size), humanBytes(st.DataUse.Free))
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
