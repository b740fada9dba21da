package jobs

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"

	"github.com/cozypi/cozy/pkg/apps"
	pjobs "github.com/cozypi/cozy/pkg/jobs"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/jsonapi"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// konnectorTrigger answers POST /konnectors/:slug/trigger?AccountID=&ExecNow=:
// a @cron trigger of the konnector worker, at the frequency its manifest
// asks ("weekly" when it says nothing), at a random time in the night so
// that the konnectors of a household do not all run at once.
func (h *Handler) konnectorTrigger(c *gin.Context) error {
	if err := h.requireWorker(c, pjobs.TriggersDoctype, "konnector"); err != nil {
		return err
	}
	b, err := h.broker(c)
	if err != nil {
		return err
	}
	slug := c.Param("slug")
	k, err := h.Apps.Get(c.Request.Context(), middleware.GetInstance(c), apps.Konnector, slug)
	if err != nil {
		return fmt.Errorf("konnector %s: %w", slug, err)
	}
	var frequency string
	if raw, ok := k.Manifest.Extra["frequency"]; ok {
		_ = json.Unmarshal(raw, &frequency)
	}
	spec, err := cronFor(frequency, rand.N[int])
	if err != nil {
		return httperr.New(http.StatusUnprocessableEntity, err.Error())
	}
	msg, err := json.Marshal(pjobs.KonnectorMessage{Konnector: slug, Account: c.Query("AccountID")})
	if err != nil {
		return err
	}
	t := &pjobs.Trigger{Type: "@cron", Arguments: spec, Worker: "konnector", Message: msg}
	if err := b.AddTrigger(c.Request.Context(), t); err != nil {
		return err
	}
	if c.Query("ExecNow") == "true" {
		if _, err := b.Launch(c.Request.Context(), t.ID); err != nil {
			return err
		}
	}
	return jsonapi.Data(c, http.StatusCreated, triggerObject(t))
}

// cronFor returns a six-field crontab (seconds first) for a manifest's
// frequency, with the minute, hour and day drawn by pick(n) in [0, n):
// between midnight and 5 am, like upstream.
func cronFor(frequency string, pick func(int) int) (string, error) {
	minute, hour := pick(60), pick(5)
	switch strings.ToLower(frequency) {
	case "hourly":
		return fmt.Sprintf("0 %d * * * *", minute), nil
	case "daily":
		return fmt.Sprintf("0 %d %d * * *", minute, hour), nil
	case "", "weekly":
		return fmt.Sprintf("0 %d %d * * %d", minute, hour, pick(7)), nil
	case "monthly":
		return fmt.Sprintf("0 %d %d %d * *", minute, hour, 1+pick(28)), nil
	}
	return "", fmt.Errorf("the konnector's manifest has an unknown frequency %q (hourly, daily, weekly or monthly)", frequency)
}
