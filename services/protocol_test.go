package services

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFrameWriterLimit(t *testing.T) {
	var out bytes.Buffer
	fulls := 0
	fw := &frameWriter{w: &out, limit: 200, onFull: func() { fulls++ }}
	for i := 0; i < 10; i++ {
		fw.log(LevelInfo, "a line of about forty bytes of text.")
	}
	if fulls != 1 {
		t.Errorf("onFull called %d times, want 1", fulls)
	}
	if out.Len() > 200 {
		t.Errorf("wrote %d bytes past the 200-byte limit", out.Len())
	}
	if err := fw.end(frame{Status: statusOutput, Message: "full"}); err != nil {
		t.Fatal(err)
	}
	logs, end, err := readFrames(&out, 1<<20)
	if err != nil || end == nil || end.Status != statusOutput || end.Kind != "end" {
		t.Fatalf("end %+v, err %v", end, err)
	}
	if len(logs) == 0 || len(logs) >= 10 {
		t.Errorf("%d log lines kept", len(logs))
	}
}

func TestFrameWriterTruncates(t *testing.T) {
	var out bytes.Buffer
	fw := &frameWriter{w: &out, limit: 1 << 20}
	long := strings.Repeat("é", maxMessageBytes) // 2 bytes each: cut inside a rune
	fw.log(LevelError, long)
	if err := fw.end(frame{Status: statusScript, Message: long, Stack: long}); err != nil {
		t.Fatal(err)
	}
	logs, end, err := readFrames(&out, 1<<20)
	if err != nil || len(logs) != 1 || end == nil {
		t.Fatalf("logs %d, end %v, err %v", len(logs), end, err)
	}
	for _, s := range []string{logs[0].Message, end.Message, end.Stack} {
		if !utf8.ValidString(s) || !strings.HasSuffix(s, "…[truncated]") || len(s) > maxMessageBytes+20 {
			t.Errorf("bad truncation: %d bytes, valid %v, suffix %q", len(s), utf8.ValidString(s), s[len(s)-20:])
		}
	}
	if logs[0].Level != LevelError || logs[0].Time.IsZero() {
		t.Errorf("log line %+v", logs[0])
	}
}
