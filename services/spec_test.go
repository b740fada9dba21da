package services

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSpecNormalize(t *testing.T) {
	script := []byte("1")
	tests := []struct {
		name    string
		spec    Spec
		err     string
		limits  Limits
		origins []string
		tl      string
	}{
		{name: "defaults", spec: Spec{Name: "s", Script: script, Env: Env{URL: "https://Alice.example.net/"}},
			limits:  Limits{Wall: DefaultWall, MemoryBytes: DefaultMemoryBytes, OutputBytes: DefaultOutputBytes, ScratchBytes: DefaultScratchBytes},
			origins: []string{"https://alice.example.net"}, tl: "60"},
		{name: "explicit origins replace COZY_URL's", spec: Spec{Name: "s", Script: script, Env: Env{URL: "https://alice.example.net", TimeLimit: "7"},
			Limits: Limits{Wall: 90 * time.Second, MemoryBytes: 128 << 20, OutputBytes: 10}, AllowedOrigins: []string{"https://alice.example.net", "https://api.bank.example:8443/x"}},
			limits:  Limits{Wall: 90 * time.Second, MemoryBytes: 128 << 20, OutputBytes: 10, ScratchBytes: DefaultScratchBytes},
			origins: []string{"https://alice.example.net", "https://api.bank.example:8443"}, tl: "7"},
		{name: "no URL no origins", spec: Spec{Name: "s", Script: script, Limits: Limits{Wall: 1500 * time.Millisecond}},
			limits: Limits{Wall: 1500 * time.Millisecond, MemoryBytes: DefaultMemoryBytes, OutputBytes: DefaultOutputBytes, ScratchBytes: DefaultScratchBytes}, tl: "1"},
		{name: "no name", spec: Spec{Script: script}, err: "no name"},
		{name: "empty script", spec: Spec{Name: "s"}, err: "empty script"},
		{name: "huge script", spec: Spec{Name: "s", Script: make([]byte, MaxScriptBytes+1)}, err: "more than"},
		{name: "negative wall", spec: Spec{Name: "s", Script: script, Limits: Limits{Wall: -1}}, err: "negative"},
		{name: "negative output", spec: Spec{Name: "s", Script: script, Limits: Limits{OutputBytes: -1}}, err: "negative"},
		{name: "negative scratch", spec: Spec{Name: "s", Script: script, Limits: Limits{ScratchBytes: -1}}, err: "negative"},
		{name: "tiny memory", spec: Spec{Name: "s", Script: script, Limits: Limits{MemoryBytes: 1 << 20}}, err: "below"},
		{name: "bad COZY_URL", spec: Spec{Name: "s", Script: script, Env: Env{URL: "alice.example.net"}}, err: "COZY_URL"},
		{name: "bad origin", spec: Spec{Name: "s", Script: script, AllowedOrigins: []string{"file:///"}}, err: "allowed origin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.spec.normalize()
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Limits != tt.limits {
				t.Errorf("limits %+v, want %+v", got.Limits, tt.limits)
			}
			if !reflect.DeepEqual(got.AllowedOrigins, tt.origins) {
				t.Errorf("origins %q, want %q", got.AllowedOrigins, tt.origins)
			}
			if got.Env.TimeLimit != tt.tl {
				t.Errorf("COZY_TIME_LIMIT %q, want %q", got.Env.TimeLimit, tt.tl)
			}
		})
	}
}

func TestEnvMap(t *testing.T) {
	tests := []struct {
		name string
		env  Env
		want map[string]string
	}{
		{name: "empty has the seven service keys", env: Env{}, want: map[string]string{
			"COZY_URL": "", "COZY_CREDENTIALS": "", "COZY_JOB_ID": "", "COZY_COUCH_DOC": "",
			"COZY_TIME_LIMIT": "", "COZY_LANGUAGE": "", "COZY_LOCALE": ""}},
		{name: "konnector keys only when set", env: Env{URL: "u", Payload: "{}", ManualExecution: "true", Parameters: "p"}, want: map[string]string{
			"COZY_URL": "u", "COZY_CREDENTIALS": "", "COZY_JOB_ID": "", "COZY_COUCH_DOC": "",
			"COZY_TIME_LIMIT": "", "COZY_LANGUAGE": "", "COZY_LOCALE": "",
			"COZY_PAYLOAD": "{}", "COZY_JOB_MANUAL_EXECUTION": "true", "COZY_PARAMETERS": "p"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.env.Map(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
