package notifications_test

import (
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/mail/mailtest"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/permstore"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/web/webtest"
	"github.com/gin-gonic/gin"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

const manifest = `{"_id":"io.cozy.apps/bank","slug":"bank","state":"ready","notifications":{
	"account-balance":{"description":"negative balance","collapsible":true,"multiple":true,"stateful":true,"default_priority":"high",
		"templates":{"mail":"file:./notifications/account-balance-mail.tpl"}}}}`

func TestPostNotificationIsMailed(t *testing.T) {
	smtp := mailtest.Start(t, "cozy", "smtp-secret")
	srv, mgr := webtest.Server(t, &config.Config{Mail: smtp.Config()})
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close() })
	ctx := context.Background()
	inst, err := mgr.Create(ctx, instance.Options{Domain: strings.TrimPrefix(hs.URL, "http://")})
	if err != nil {
		t.Fatal(err)
	}
	inst, err = mgr.Update(ctx, inst.Domain, func(i *instance.Instance) error {
		i.Email, i.PublicName = "alice@example.org", "Alice"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	st, err := mgr.Store(inst)
	if err != nil {
		t.Fatal(err)
	}
	apps := st.DB("io.cozy.apps")
	if err := apps.Create(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := apps.Put(ctx, store.Doc{Body: json.RawMessage(manifest)}, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	// Installed apps have a permission document (pkg/apps writes it); a
	// service token resolves to it.
	perms := permstore.New(mgr)
	for slug, scope := range map[string]string{"bank": "io.cozy.notifications", "clock": "io.cozy.files"} {
		rules, _ := permission.ParseScope(scope)
		id := permstore.AppID(slug)
		if err := perms.Put(ctx, inst, &permission.Permission{ID: id, Type: permission.TypeApp, SourceID: id, Rules: rules}); err != nil {
			t.Fatal(err)
		}
	}
	issue := func(subject, scope string) string {
		tok, err := inst.Issue(token.CLI, subject, scope)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	post := func(tok, body string) (int, map[string]any) {
		req, _ := http.NewRequest("POST", hs.URL+"/notifications", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/vnd.api+json")
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}
	good := `{"data":{"attributes":{"category":"account-balance","category_id":"my-bank","title":"Your account balance is not OK",
		"message":"Warning: we have detected a negative balance in your my-bank","state":"-1","preferred_channels":["mobile"],"data":{"key1":"value1"}}}}`

	tests := []struct {
		name, tok, body string
		want            int
	}{
		{"no token", "", good, http.StatusUnauthorized},
		{"no permission", issue("clock", "io.cozy.notifications"), good, http.StatusForbidden}, // clock's rules, not the token's scope
		{"no app behind the token", issue("", "io.cozy.notifications"), good, http.StatusForbidden},
		{"app not installed", issue("photos", "io.cozy.notifications"), good, http.StatusUnauthorized}, // its token is void
		{"undeclared category", issue("bank", "io.cozy.notifications"), `{"data":{"attributes":{"category":"spam","title":"t"}}}`, http.StatusUnprocessableEntity},
		{"missing category_id", issue("bank", "io.cozy.notifications"), `{"data":{"attributes":{"category":"account-balance","state":"1","title":"t"}}}`, http.StatusUnprocessableEntity},
		{"not JSON", issue("bank", "io.cozy.notifications"), `{`, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if st, out := post(tt.tok, tt.body); st != tt.want {
				t.Fatalf("status %d, want %d: %v", st, tt.want, out)
			}
		})
	}

	st2, out := post(issue("bank", "io.cozy.notifications"), good)
	if st2 != http.StatusCreated {
		t.Fatalf("status %d: %v", st2, out)
	}
	data := out["data"].(map[string]any)
	attrs := data["attributes"].(map[string]any)
	if data["type"] != "io.cozy.notifications" || data["id"] == "" || attrs["source_id"] != "cozy/app/bank/account-balance/my-bank" ||
		attrs["originator"] != "app" || attrs["slug"] != "bank" || attrs["priority"] != "high" {
		t.Fatalf("answer %v", out)
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	m, err := smtp.Wait(wctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.To) != 1 || m.To[0] != "alice@example.org" || m.User != "cozy" {
		t.Fatalf("envelope %+v", m)
	}
	text := string(m.Data)
	subject := ""
	for _, line := range strings.Split(text, "\r\n") {
		if s, ok := strings.CutPrefix(line, "Subject: "); ok {
			subject, _ = new(mime.WordDecoder).DecodeHeader(s)
		}
	}
	if subject != "Your account balance is not OK" || !strings.Contains(text, "negative balance") {
		t.Fatalf("mail:\n%s", text)
	}
	if len(smtp.Messages()) != 1 {
		t.Fatalf("%d mails for one notification", len(smtp.Messages()))
	}
}
