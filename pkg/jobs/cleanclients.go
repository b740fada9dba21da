package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cozypi/cozy/pkg/store"

	"github.com/cozypi/cozy/pkg/instance"
)

// CleanClientsWorkerName is upstream's worker that removes the OAuth
// clients never used after their registration.
const CleanClientsWorkerName = "clean-clients"

// ClientsDoctype is the doctype of OAuth clients, watched for new ones.
const ClientsDoctype = "io.cozy.oauth.clients"

// CleanClientsDelay is how long a registered client may stay unused.
const CleanClientsDelay = time.Hour

// CleanClientsMessage is the message of a clean-clients job: the client
// registered CleanClientsDelay earlier.
type CleanClientsMessage struct {
	ClientID string `json:"client_id"`
}

// PendingClients deletes a client that is still pending (registered, no
// access code ever made for it); the OAuth service implements it.
type PendingClients interface {
	DeleteIfPending(ctx context.Context, inst *instance.Instance, clientID string) (deleted bool, err error)
}

// CleanClientsWorker returns the "clean-clients" worker. The OAuth
// service queues its job, through an @in 1h trigger, when a client
// registers; a client that got an access code since is kept.
func CleanClientsWorker(clients PendingClients) Worker {
	return Worker{MaxExecCount: 2, Timeout: 30 * time.Second, Run: func(ctx context.Context, r *Run) error {
		var msg CleanClientsMessage
		if err := json.Unmarshal(r.Job.Message, &msg); err != nil || msg.ClientID == "" {
			return fmt.Errorf("%w: a clean-clients job needs a message with client_id", ErrInvalid)
		}
		deleted, err := clients.DeleteIfPending(ctx, r.Instance, msg.ClientID)
		if err != nil {
			return fmt.Errorf("clean-clients %s: %w", msg.ClientID, err)
		}
		if deleted {
			r.Log("info", "deleted the unused OAuth client "+msg.ClientID)
		}
		return nil
	}}
}

// onClientEvent schedules the clean-clients job of a client that has just
// registered and is pending, when that worker is configured.
func (b *Broker) onClientEvent(ev store.Event) {
	if ev.Doctype != ClientsDoctype || ev.Verb != store.Created {
		return
	}
	if _, ok := b.cfg.Workers[CleanClientsWorkerName]; !ok {
		return
	}
	var c struct {
		ID      string `json:"client_id"`
		Pending bool   `json:"pending"`
	}
	if err := json.Unmarshal(ev.Doc.Body, &c); err != nil || !c.Pending || c.ID == "" {
		return
	}
	msg, _ := json.Marshal(CleanClientsMessage{ClientID: c.ID})
	t := &Trigger{Type: "@in", Arguments: CleanClientsDelay.String(), Worker: CleanClientsWorkerName, Message: msg}
	if err := b.AddTrigger(b.ctx, t); err != nil {
		b.cfg.Log.Warn("jobs: scheduling clean-clients", "client", c.ID, "error", err)
	}
}
