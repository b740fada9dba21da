package settings

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/cozypi/cozy/pkg/vfs"
	"github.com/cozypi/cozy/web/jsonapi"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// diskUsage answers GET /settings/disk-usage: bytes used and the quota,
// as strings like upstream. Apps of any kind show it, so any valid
// credentials may read it. Files have no older versions here, so
// "versions" is 0 and "files" equals "used".
func (h *Handler) diskUsage(c *gin.Context) error {
	if err := h.requireAny(c); err != nil {
		return err
	}
	inst := middleware.GetInstance(c)
	fs, err := h.Instances.VFS(c.Request.Context(), inst)
	if err != nil {
		return err
	}
	files, quota := fs.Usage()
	st, err := h.Instances.Store(inst)
	if err != nil {
		return err
	}
	// Attachments of /data documents (photos a phone synced) take disk
	// space too: counted in "used", not in "files".
	used := files + st.AttachmentBytes()
	attrs := map[string]string{"used": itoa(used), "files": itoa(files), "versions": "0"}
	if quota > 0 {
		attrs["quota"] = itoa(quota)
	}
	if c.Query("include") == "trash" {
		trash, err := fs.Get(c.Request.Context(), vfs.TrashID)
		if err == nil {
			var size int64
			if size, err = fs.DirSize(c.Request.Context(), trash); err == nil {
				attrs["trash"] = itoa(size)
			}
		}
		if err != nil {
			return fmt.Errorf("sizing the trash: %w", err)
		}
	}
	return jsonapi.Data(c, http.StatusOK, settingsObject(c, "io.cozy.settings.disk-usage", attrs))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
