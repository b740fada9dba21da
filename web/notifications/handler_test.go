package notifications_test

import (
	"context"
	"encoding/json"
	"mime"
	"net/http"
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
	e := webtest.NewEnv(t, &config.Config{Mail: smtp.Config()}, instance.Options{Email: "alice@example.org", PublicName: "Alice"})
	ctx := context.Background()
	st, err := e.Instances.Store(e.Inst)
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
	perms := permstore.New(e.Instances)
	for slug, scope := range map[string]string{"bank": "io.cozy.notifications", "clock": "io.cozy.files"} {
		rules, _ := permission.ParseScope(scope)
		id := permstore.AppID(slug)
		if err := perms.Put(ctx, e.Inst, &permission.Permission{ID: id, Type: permission.TypeApp, SourceID: id, Rules: rules}); err != nil {
			t.Fatal(err)
		}
	}
	service := func(slug string) string { return e.Issue(t, token.CLI, slug, "io.cozy.notifications") }
	good := `{"data":{"attributes":{"category":"account-balance","category_id":"my-bank","title":"Your account balance is not OK",
		"message":"Warning: we have detected a negative balance in your my-bank","state":"-1","preferred_channels":["mobile"],"data":{"key1":"value1"}}}}`
	post := func(name, tok, body string, status int) webtest.Scenario {
		return webtest.Scenario{Name: name, Method: "POST", URL: "/notifications", Token: tok, Body: body, ExpectedStatus: status,
			ExpectedHeaders: map[string]string{"Content-Type": "application/vnd.api+json"}}
	}
	created := post("created and mailed", service("bank"), good, http.StatusCreated)
	created.ExpectedContent = []string{`"type":"io.cozy.notifications"`, `"source_id":"cozy/app/bank/account-balance/my-bank"`,
		`"originator":"app"`, `"slug":"bank"`, `"priority":"high"`, `"rev":"1-`}
	e.Run(t, []webtest.Scenario{
		post("no token", "", good, http.StatusUnauthorized),
		post("no permission", service("clock"), good, http.StatusForbidden), // clock's rules, not the token's scope
		post("no app behind the token", service(""), good, http.StatusForbidden),
		post("app not installed", service("photos"), good, http.StatusUnauthorized), // its token is void
		post("undeclared category", service("bank"), `{"data":{"attributes":{"category":"spam","title":"t"}}}`, http.StatusUnprocessableEntity),
		post("missing category_id", service("bank"), `{"data":{"attributes":{"category":"account-balance","state":"1","title":"t"}}}`, http.StatusUnprocessableEntity),
		post("not JSON", service("bank"), `{`, http.StatusBadRequest),
		post("too large", service("bank"), `{"data":{"attributes":{"title":"`+strings.Repeat("x", 300<<10)+`"}}}`, http.StatusRequestEntityTooLarge),
		created,
	})
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
