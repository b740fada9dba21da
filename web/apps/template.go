package apps

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
)

// AppInfo is the app part of CozyData.
type AppInfo struct {
	Name   string `json:"name"`
	Slug   string `json:"slug"`
	Prefix string `json:"prefix"`
	Editor string `json:"editor"`
	Icon   string `json:"icon"`
}

// IndexData are the variables of an app's index template, upstream's.
type IndexData struct {
	Token            string
	Domain           string
	Locale           string
	AppName          string
	AppSlug          string
	AppNamePrefix    string
	AppEditor        string
	IconPath         string
	SubDomain        string
	Tracking         string
	Capabilities     string
	Flags            string
	CozyBar          template.HTML
	CozyClientJS     template.HTML
	CozyFonts        template.HTML
	ThemeCSS         template.HTML
	Favicon          template.HTML
	DefaultWallpaper string
	IsLoggedIn       bool
	// CozyData is every value above as one JSON object, for
	// data-cozy="{{.CozyData}}".
	CozyData string
}

// fill computes CozyData from the other fields.
func (d *IndexData) fill() error {
	caps, flags := json.RawMessage(d.Capabilities), json.RawMessage(d.Flags)
	if d.Capabilities == "" {
		caps = json.RawMessage("{}")
	}
	if d.Flags == "" {
		flags = json.RawMessage("{}")
	}
	b, err := json.Marshal(map[string]any{
		"token": d.Token, "domain": d.Domain, "locale": d.Locale, "subdomain": d.SubDomain,
		"tracking": d.Tracking == "true", "isLoggedIn": d.IsLoggedIn, "capabilities": caps, "flags": flags,
		"app": AppInfo{Name: d.AppName, Slug: d.AppSlug, Prefix: d.AppNamePrefix, Editor: d.AppEditor, Icon: d.IconPath},
	})
	if err != nil {
		return fmt.Errorf("apps: cozy data: %w", err)
	}
	d.CozyData = string(b)
	return nil
}

// RenderIndex renders an index file as an html/template with data: the
// values are escaped for where they appear (text, attribute, script).
func RenderIndex(src []byte, data IndexData) ([]byte, error) {
	if err := data.fill(); err != nil {
		return nil, err
	}
	t, err := template.New("index").Option("missingkey=zero").Parse(string(src))
	if err != nil {
		return nil, fmt.Errorf("apps: index template: %w", err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("apps: index template: %w", err)
	}
	return buf.Bytes(), nil
}
