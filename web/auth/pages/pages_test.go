package pages

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

func TestMessagesComplete(t *testing.T) {
	for key := range messages["en"] {
		if messages["fr"][key] == "" {
			t.Errorf("no French text for %q", key)
		}
	}
	for key := range messages["fr"] {
		if messages["en"][key] == "" {
			t.Errorf("no English text for %q", key)
		}
	}
}

var externalRe = regexp.MustCompile(`(?i)(src|href)="(https?:)?//`)

func TestRender(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	for _, name := range []string{"login", "onboarding", "loggedin", "authorize", "error"} {
		for _, locale := range []string{"en", "fr-FR", ""} {
			w := httptest.NewRecorder()
			c, _ := gin.CreateTestContext(w)
			c.Request = httptest.NewRequest("GET", "/", nil)
			Render(c, http.StatusOK, name, locale, Data{Title: "Cozy", Error: "wrong_passphrase",
				Fields: map[string]string{"client_name": `<script>x</script>`, "csrf": `"><b>`}, Scopes: []string{"io.cozy.files"}})
			body := w.Body.String()
			if w.Code != 200 || !strings.Contains(body, `<html lang="`+Locale(locale)+`">`) {
				t.Errorf("%s/%s: %d %s", name, locale, w.Code, body)
			}
			if strings.Contains(body, "<script>x") || strings.Contains(body, `"><b>`) {
				t.Errorf("%s: unescaped field", name)
			}
			if externalRe.MatchString(body) {
				t.Errorf("%s: external asset", name)
			}
			if w.Header().Get("Content-Security-Policy") != CSP || w.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s: headers %v", name, w.Header())
			}
		}
	}
}

func TestAssets(t *testing.T) {
	r := gin.New()
	Register(r)
	for _, p := range []string{"/auth/assets/style.css", "/auth/assets/auth.js", "/auth/assets/pbkdf2.js"} {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest("GET", p, nil))
		if w.Code != 200 || w.Body.Len() == 0 {
			t.Errorf("%s: %d", p, w.Code)
		}
	}
	entries, _ := fs.ReadDir(assetFS, "assets")
	if len(entries) != 3 {
		t.Errorf("assets: %d files", len(entries))
	}
}
