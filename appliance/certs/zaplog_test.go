package certs

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"go.uber.org/zap"
)

func TestZapToSlog(t *testing.T) {
	var buf bytes.Buffer
	l := zapToSlog(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})))
	l.Named("acme").With(zap.String("ca", "pebble")).Info("obtained", zap.Int("n", 2))
	l.Debug("not shown")
	l.Error("failed", zap.Error(errTest))
	out := buf.String()
	for _, want := range []string{"level=INFO msg=obtained", "logger=acme", "ca=pebble", "n=2", "level=ERROR msg=failed", "error=boom"} {
		if !strings.Contains(out, want) {
			t.Errorf("log %q lacks %q", out, want)
		}
	}
	if strings.Contains(out, "not shown") {
		t.Error("debug entry written at info level")
	}
}

var errTest = testErr("boom")

type testErr string

func (e testErr) Error() string { return string(e) }
