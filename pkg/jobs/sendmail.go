package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/mail"
)

// SendmailWorker is upstream's "sendmail" worker: the job's message is a
// mail.Message (modes noreply and from), sent through the SMTP server of
// cfg with the instance's owner (email and public name from its settings)
// as the recipient of noreply mail and the author of from mail.
func SendmailWorker(cfg config.Mail) Worker {
	return Worker{Concurrency: 1, MaxExecCount: 3, Timeout: time.Minute, Run: func(ctx context.Context, r *Run) error {
		var msg mail.Message
		if err := json.Unmarshal(r.Job.Message, &msg); err != nil {
			return fmt.Errorf("sendmail: the message is not a mail: %w", err)
		}
		msg.Owner = mail.Address{Name: r.Instance.PublicName, Email: r.Instance.Email}
		msg.Domain = r.Instance.Domain
		if err := mail.Send(ctx, cfg, msg); err != nil {
			return err
		}
		r.Log("info", fmt.Sprintf("mail %q sent (%s mode)", msg.Subject, msg.Mode))
		return nil
	}}
}
