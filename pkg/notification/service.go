package notification

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cozypi/cozy/pkg/ident"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/mail"
	"github.com/cozypi/cozy/pkg/store"
)

// ErrUnknownApp is returned when the sender has no manifest in the store.
var ErrUnknownApp = errors.New("unknown application")

// Stores opens the store of an instance (instance.Manager.Store).
type Stores interface {
	Store(*instance.Instance) (store.Store, error)
}

// Mailer sends (or queues) a mail for an instance; the message's Owner and
// Domain are set by the mailer from the instance.
type Mailer func(ctx context.Context, inst *instance.Instance, msg mail.Message) error

// Service creates notifications.
type Service struct {
	Stores Stores
	Mail   Mailer
	Now    func() time.Time // time.Now when nil
}

// Sender is who sends a notification: an app or a konnector.
type Sender struct {
	Originator string // "app" or "konnector"
	Slug       string
}

// Create validates n for the sender, stores it and mails it. A stateful
// notification whose state equals the last one sent for the same source
// is stored but not mailed again; the returned bool tells whether it was
// sent.
func (s *Service) Create(ctx context.Context, inst *instance.Instance, from Sender, n Notification) (*Notification, bool, error) {
	st, err := s.Stores.Store(inst)
	if err != nil {
		return nil, false, err
	}
	cats, err := categories(ctx, st, from)
	if err != nil {
		return nil, false, err
	}
	if err := Validate(&n, cats); err != nil {
		return nil, false, err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	n.ID, n.Rev = ident.DocID(), ""
	n.Originator, n.Slug = from.Originator, from.Slug
	n.SourceID = sourceID(from.Originator, from.Slug, n.Category, n.CategoryID)
	n.CreatedAt = now().UTC()

	send := true
	if cats[n.Category].Stateful {
		if send, err = changeState(ctx, st, n.SourceID, n.State); err != nil {
			return nil, false, err
		}
	}
	body, err := json.Marshal(n)
	if err != nil {
		return nil, false, fmt.Errorf("notification: encoding: %w", err)
	}
	db := st.DB(Doctype)
	res, err := db.Put(ctx, store.Doc{ID: n.ID, Body: body}, store.PutOptions{})
	if errors.Is(err, store.ErrNotFound) {
		if cerr := db.Create(ctx); cerr != nil && !errors.Is(cerr, store.ErrExists) {
			return nil, false, fmt.Errorf("notification: creating %s: %w", Doctype, cerr)
		}
		res, err = db.Put(ctx, store.Doc{ID: n.ID, Body: body}, store.PutOptions{})
	}
	if err != nil {
		return nil, false, fmt.Errorf("notification: storing: %w", err)
	}
	n.Rev = res.Rev
	if send && s.Mail != nil {
		if err := s.Mail(ctx, inst, mailOf(&n)); err != nil {
			return &n, false, fmt.Errorf("notification stored but not mailed: %w", err)
		}
	}
	return &n, send, nil
}

// mailOf renders the mail channel's message: the title as subject, the
// message as body.
func mailOf(n *Notification) mail.Message {
	text := n.Message
	if text == "" {
		text = n.Title
	}
	return mail.Message{Mode: mail.ModeNoReply, Subject: n.Title, Parts: []mail.Part{{Type: "text/plain", Body: text}}}
}

// categories reads the "notifications" of the sender's manifest.
func categories(ctx context.Context, st store.Store, from Sender) (map[string]Category, error) {
	doctype := "io.cozy.apps"
	if from.Originator == "konnector" {
		doctype = "io.cozy.konnectors"
	}
	if from.Slug == "" {
		return nil, fmt.Errorf("%w: the token names no application", ErrUnknownApp)
	}
	doc, err := st.DB(doctype).Get(ctx, doctype+"/"+from.Slug, store.GetOptions{})
	if errors.Is(err, store.ErrNotFound) || (err == nil && doc.Deleted) {
		return nil, fmt.Errorf("%w: %s is not installed", ErrUnknownApp, from.Slug)
	}
	if err != nil {
		return nil, fmt.Errorf("notification: reading the manifest of %s: %w", from.Slug, err)
	}
	var manifest struct {
		Notifications map[string]Category `json:"notifications"`
	}
	if err := json.Unmarshal(doc.Body, &manifest); err != nil {
		return nil, fmt.Errorf("%w: the manifest of %s has invalid notifications: %v", ErrInvalid, from.Slug, err)
	}
	return manifest.Notifications, nil
}

// changeState records the state of a stateful source in a _local document
// and reports whether it differs from the previous one.
func changeState(ctx context.Context, st store.Store, source, state string) (bool, error) {
	sum := sha256.Sum256([]byte(source))
	id := "notification-state-" + hex.EncodeToString(sum[:16])
	db := st.DB(Doctype)
	var prev struct {
		Rev   string `json:"_rev"`
		State string `json:"state"`
	}
	doc, err := db.GetLocal(ctx, id)
	switch {
	case err == nil:
		if err := json.Unmarshal(doc.Body, &prev); err != nil {
			return false, fmt.Errorf("notification: reading the last state: %w", err)
		}
		if prev.State == state {
			return false, nil
		}
	case errors.Is(err, store.ErrNotFound):
		if cerr := db.Create(ctx); cerr != nil && !errors.Is(cerr, store.ErrExists) {
			return false, fmt.Errorf("notification: creating %s: %w", Doctype, cerr)
		}
	default:
		return false, fmt.Errorf("notification: reading the last state: %w", err)
	}
	body, _ := json.Marshal(map[string]string{"_rev": prev.Rev, "state": state, "source_id": source})
	if _, err := db.PutLocal(ctx, id, body); err != nil {
		return false, fmt.Errorf("notification: saving the state: %w", err)
	}
	return true, nil
}
