package intents_test

import (
	"os"
	"testing"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/web/webtest"
	"github.com/gin-gonic/gin"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

// TestIntentsRefusals: intents are between web apps; the resolution
// itself is tested with installed apps in web/apps (TestIntents).
func TestIntentsRefusals(t *testing.T) {
	e := webtest.NewEnv(t, &config.Config{BodyLimit: 1 << 20}, instance.Options{Locale: "en"})
	body := `{"data":{"type":"io.cozy.intents","attributes":{"action":"PICK","type":"io.cozy.files"}}}`
	e.Run(t, []webtest.Scenario{
		{Name: "no token", Method: "POST", URL: "/intents", Body: body, ExpectedStatus: 401},
		{Name: "a CLI token", Method: "POST", URL: "/intents", Body: body, Token: e.Token(t, "io.cozy.files"), ExpectedStatus: 403},
		{Name: "read without a token", Method: "GET", URL: "/intents/x", ExpectedStatus: 401},
	})
}
