package jobs

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/mail/mailtest"
)

func TestSendmailWorker(t *testing.T) {
	smtp := mailtest.Start(t, "", "")
	st := openStore(t, filepath.Join(t.TempDir(), "store.db"))
	owner := *alice
	owner.Email, owner.PublicName = "alice@example.org", "Alice"
	b := NewBroker(&owner, st, Config{Log: discard, Workers: map[string]Worker{"sendmail": SendmailWorker(smtp.Config())}})
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	tests := []struct {
		name  string
		msg   string
		state State
		to    string
	}{
		{"noreply", `{"mode":"noreply","subject":"You've got a new file !","parts":[{"type":"text/plain","body":"Hey !"}]}`, Done, "alice@example.org"},
		{"from", `{"mode":"from","to":[{"name":"John","email":"john1@example.org"}],"subject":"Hey !","parts":[{"type":"text/html","body":"<h1>Hey !</h1>"},{"type":"text/plain","body":"Hey !"}]}`, Done, "john1@example.org"},
		{"bad mode", `{"mode":"campaign","subject":"x","parts":[{"type":"text/plain","body":"x"}]}`, Errored, ""},
		{"not a mail", `[1,2]`, Errored, ""},
	}
	sent := 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, err := b.Push(context.Background(), Request{Worker: "sendmail", Message: json.RawMessage(tt.msg), Options: &Options{MaxExecCount: 1}})
			if err != nil {
				t.Fatal(err)
			}
			j = waitState(t, b, j.ID, tt.state)
			if tt.state == Errored {
				if j.Error == "" {
					t.Fatal("errored job without its error")
				}
				return
			}
			sent++
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			m, err := smtp.Wait(ctx, sent)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(m.To, ",") != tt.to {
				t.Fatalf("sent to %v, want %s", m.To, tt.to)
			}
		})
	}
}
