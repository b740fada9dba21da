package notification_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/mail"
	"github.com/cozypi/cozy/pkg/notification"
	"github.com/cozypi/cozy/pkg/passhash"
	"github.com/cozypi/cozy/pkg/store"
)

func setup(t *testing.T) (*instance.Manager, *instance.Instance, store.Store) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	mgr, err := instance.Open(t.TempDir(), passhash.New(passhash.Params{MemoryKiB: 64, Time: 1, Threads: 1}, 1), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mgr.Close() })
	inst, err := mgr.Create(context.Background(), instance.Options{Domain: "alice.cozy.test"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := mgr.Store(inst)
	if err != nil {
		t.Fatal(err)
	}
	db := st.DB("io.cozy.apps")
	if err := db.Create(context.Background()); err != nil {
		t.Fatal(err)
	}
	manifest := `{"_id":"io.cozy.apps/bank","slug":"bank","notifications":{
		"account-balance":{"description":"negative balance","collapsible":true,"multiple":true,"stateful":true,"default_priority":"high"},
		"news":{}}}`
	if _, err := db.Put(context.Background(), store.Doc{Body: json.RawMessage(manifest)}, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	return mgr, inst, st
}

func TestCreate(t *testing.T) {
	mgr, inst, st := setup(t)
	var sent []mail.Message
	svc := &notification.Service{Stores: mgr, Mail: func(_ context.Context, _ *instance.Instance, m mail.Message) error {
		sent = append(sent, m)
		return nil
	}}
	ctx := context.Background()
	bank := notification.Sender{Originator: "app", Slug: "bank"}
	balance := notification.Notification{Category: "account-balance", CategoryID: "my-bank", Title: "Balance is negative", Message: "-12 EUR", State: "-1"}

	n, ok, err := svc.Create(ctx, inst, bank, balance)
	if err != nil || !ok {
		t.Fatalf("create: %v %v", ok, err)
	}
	if n.SourceID != "cozy/app/bank/account-balance/my-bank" || n.Priority != "high" || n.Rev == "" || n.Slug != "bank" {
		t.Fatalf("notification %+v", n)
	}
	doc, err := st.DB(notification.Doctype).Get(ctx, n.ID, store.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var stored notification.Notification
	if err := json.Unmarshal(doc.Body, &stored); err != nil || stored.Title != balance.Title || stored.Originator != "app" {
		t.Fatalf("stored %s (%v)", doc.Body, err)
	}
	if len(sent) != 1 || sent[0].Subject != "Balance is negative" || sent[0].Parts[0].Body != "-12 EUR" || sent[0].Mode != mail.ModeNoReply {
		t.Fatalf("mailed %+v", sent)
	}

	// The same state again is stored but not mailed; a new state is.
	if _, ok, err := svc.Create(ctx, inst, bank, balance); err != nil || ok {
		t.Fatalf("same state: sent=%v err=%v", ok, err)
	}
	balance.State = "1"
	if _, ok, err := svc.Create(ctx, inst, bank, balance); err != nil || !ok {
		t.Fatalf("new state: sent=%v err=%v", ok, err)
	}
	if len(sent) != 2 {
		t.Fatalf("%d mails, want 2", len(sent))
	}

	// Refusals store nothing.
	info, _ := st.DB(notification.Doctype).Info(ctx)
	refusals := []struct {
		name string
		from notification.Sender
		n    notification.Notification
		want error
	}{
		{"unknown app", notification.Sender{Originator: "app", Slug: "nope"}, notification.Notification{Category: "news", Title: "t"}, notification.ErrUnknownApp},
		{"konnector with the app's slug", notification.Sender{Originator: "konnector", Slug: "bank"}, notification.Notification{Category: "news", Title: "t"}, notification.ErrUnknownApp},
		{"no slug", notification.Sender{Originator: "app"}, notification.Notification{Category: "news", Title: "t"}, notification.ErrUnknownApp},
		{"undeclared category", bank, notification.Notification{Category: "spam", Title: "t"}, notification.ErrInvalid},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			if _, _, err := svc.Create(ctx, inst, r.from, r.n); !errors.Is(err, r.want) {
				t.Fatalf("err = %v, want %v", err, r.want)
			}
		})
	}
	if after, _ := st.DB(notification.Doctype).Info(ctx); after.DocCount != info.DocCount {
		t.Fatalf("refused notifications were stored (%d -> %d)", info.DocCount, after.DocCount)
	}

	// A mail failure is reported, the notification stays stored.
	svc.Mail = func(context.Context, *instance.Instance, mail.Message) error { return errors.New("smtp down") }
	n, ok, err = svc.Create(ctx, inst, bank, notification.Notification{Category: "news", Title: "t"})
	if err == nil || ok || n == nil || n.Rev == "" {
		t.Fatalf("mail failure: %v %v %v", n, ok, err)
	}
}
