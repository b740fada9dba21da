package apps

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/cozypi/cozy/pkg/permission"
)

// Kind says whether a package is a web app or a konnector.
type Kind string

// The two kinds of packages.
const (
	Webapp    Kind = "webapp"
	Konnector Kind = "konnector"
)

// Doctype returns the doctype of the documents describing packages of k.
func (k Kind) Doctype() string {
	if k == Konnector {
		return "io.cozy.konnectors"
	}
	return "io.cozy.apps"
}

// ManifestName returns the file name of k's manifest.
func (k Kind) ManifestName() string {
	if k == Konnector {
		return "manifest.konnector"
	}
	return "manifest.webapp"
}

// ErrManifest is wrapped by every error about an unreadable manifest (400).
var ErrManifest = errors.New("invalid manifest")

// FieldError names the manifest field that is invalid (422).
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("manifest field %q: %s", e.Field, e.Reason)
}

// Developer is the manifest's developer object.
type Developer struct {
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

// Platform is a derivate of the app for another device.
type Platform struct {
	Type string `json:"type"`
	URL  string `json:"url,omitempty"`
}

// Intent is an intent the app provides.
type Intent struct {
	Action string   `json:"action"`
	Type   []string `json:"type,omitempty"`
	Href   string   `json:"href"`
}

// Service is a background service declared by an app.
type Service struct {
	Type           string `json:"type"`
	File           string `json:"file"`
	Trigger        string `json:"trigger,omitempty"`
	Debounce       string `json:"debounce,omitempty"`
	TriggerOptions any    `json:"trigger_options,omitempty"`
}

// Route maps a path prefix to a folder of the app.
type Route struct {
	Folder string `json:"folder"`
	Index  string `json:"index,omitempty"`
	Public bool   `json:"public"`
}

// Mobile describes the mobile version of an app.
type Mobile struct {
	Schema      string `json:"schema,omitempty"`
	IDPlaystore string `json:"id_playstore,omitempty"`
	IDAppstore  string `json:"id_appstore,omitempty"`
}

// Manifest is a manifest.webapp or manifest.konnector. Fields not listed
// are kept in Extra and rendered back.
type Manifest struct {
	Name                        string                     `json:"name"`
	NamePrefix                  string                     `json:"name_prefix,omitempty"`
	Slug                        string                     `json:"slug,omitempty"`
	Editor                      string                     `json:"editor,omitempty"`
	Icon                        string                     `json:"icon,omitempty"`
	Screenshots                 []string                   `json:"screenshots,omitempty"`
	Category                    string                     `json:"category,omitempty"`
	ShortDescription            string                     `json:"short_description,omitempty"`
	LongDescription             string                     `json:"long_description,omitempty"`
	Source                      string                     `json:"source,omitempty"`
	Developer                   *Developer                 `json:"developer,omitempty"`
	Locales                     map[string]json.RawMessage `json:"locales,omitempty"`
	Langs                       []string                   `json:"langs,omitempty"`
	Version                     string                     `json:"version"`
	License                     string                     `json:"license,omitempty"`
	Platforms                   []Platform                 `json:"platforms,omitempty"`
	Intents                     []Intent                   `json:"intents,omitempty"`
	Permissions                 permission.Set             `json:"permissions,omitempty"`
	Notifications               map[string]json.RawMessage `json:"notifications,omitempty"`
	Services                    map[string]Service         `json:"services,omitempty"`
	Routes                      map[string]Route           `json:"routes,omitempty"`
	Mobile                      *Mobile                    `json:"mobile,omitempty"`
	AcceptFromFlagship          bool                       `json:"accept_from_flagship,omitempty"`
	AcceptDocumentsFromFlagship json.RawMessage            `json:"accept_documents_from_flagship,omitempty"`

	// Konnector fields.
	Type     string          `json:"type,omitempty"`
	Language string          `json:"language,omitempty"`
	Fields   json.RawMessage `json:"fields,omitempty"`
	Folders  json.RawMessage `json:"folders,omitempty"`

	// Extra holds the other members of the manifest, as sent.
	Extra map[string]json.RawMessage `json:"-"`
}

// known lists the members decoded into Manifest's fields.
var known = map[string]bool{}

func init() {
	for _, f := range []string{"name", "name_prefix", "slug", "editor", "icon", "screenshots", "category",
		"short_description", "long_description", "source", "developer", "locales", "langs", "version",
		"license", "platforms", "intents", "permissions", "notifications", "services", "routes", "mobile",
		"accept_from_flagship", "accept_documents_from_flagship", "type", "language", "fields", "folders"} {
		known[f] = true
	}
}

// MarshalJSON renders the manifest with its extra members.
func (m Manifest) MarshalJSON() ([]byte, error) {
	type plain Manifest
	b, err := json.Marshal(plain(m))
	if err != nil || len(m.Extra) == 0 {
		return b, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, err
	}
	for k, v := range m.Extra {
		if !known[k] {
			all[k] = v
		}
	}
	return json.Marshal(all)
}

// MaxManifestSize bounds a manifest file.
const MaxManifestSize = 1 << 20

var (
	slugRe    = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)
	versionRe = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$`)
)

// ValidSlug reports whether s can name an app: lower-case letters, digits,
// '-' and '_', starting with a letter or digit (it becomes a DNS label).
func ValidSlug(s string) bool { return slugRe.MatchString(s) }

// ParseManifest decodes and validates a manifest of kind k. A malformed
// document wraps ErrManifest; a field of the wrong type or value is a
// *FieldError naming it.
func ParseManifest(data []byte, k Kind) (*Manifest, error) {
	if len(data) > MaxManifestSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrManifest, MaxManifestSize)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrManifest, err)
	}
	// Decode member by member so that an error names its field.
	type plain Manifest
	var probe plain
	if err := decodeFields(raw, &probe); err != nil {
		return nil, err
	}
	m := Manifest(probe)
	m.Extra = map[string]json.RawMessage{}
	for k, v := range raw {
		if !known[k] {
			m.Extra[k] = v
		}
	}
	if err := m.validate(k); err != nil {
		return nil, err
	}
	return &m, nil
}

// decodeFields decodes each known member alone, so that a type error is
// reported with the member's name.
func decodeFields(raw map[string]json.RawMessage, dst any) error {
	for name, v := range raw {
		if !known[name] {
			continue
		}
		one, _ := json.Marshal(map[string]json.RawMessage{name: v})
		dec := json.NewDecoder(bytes.NewReader(one))
		if err := dec.Decode(dst); err != nil {
			reason := err.Error()
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				reason = fmt.Sprintf("expected %s, got %s", te.Type, te.Value)
			}
			return &FieldError{Field: name, Reason: reason}
		}
	}
	return nil
}

// relPath checks a path inside the package: relative or rooted at the
// package, never climbing out of it.
func relPath(p string) bool {
	if p == "" || strings.ContainsRune(p, 0) || strings.Contains(p, "\\") {
		return false
	}
	clean := path.Clean("/" + p)
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return false
		}
	}
	return clean != "/" || p == "/"
}

func (m *Manifest) validate(k Kind) error {
	if strings.TrimSpace(m.Name) == "" {
		return &FieldError{"name", "is required"}
	}
	if m.Slug != "" && !ValidSlug(m.Slug) {
		return &FieldError{"slug", "must be lower-case letters, digits, '-' or '_'"}
	}
	if m.Version == "" {
		return &FieldError{"version", "is required"}
	}
	if !versionRe.MatchString(m.Version) {
		return &FieldError{"version", "is not a version string"}
	}
	if m.Icon != "" && !relPath(m.Icon) {
		return &FieldError{"icon", "must be a path inside the package"}
	}
	for _, s := range m.Screenshots {
		if !relPath(s) {
			return &FieldError{"screenshots", fmt.Sprintf("%q is not a path inside the package", s)}
		}
	}
	if m.Developer != nil && m.Developer.Name == "" {
		return &FieldError{"developer", "needs a name"}
	}
	for _, l := range m.Langs {
		if l == "" {
			return &FieldError{"langs", "has an empty language"}
		}
	}
	for _, p := range m.Platforms {
		if p.Type == "" {
			return &FieldError{"platforms", "every platform needs a type"}
		}
	}
	for _, in := range m.Intents {
		if in.Action == "" {
			return &FieldError{"intents", "every intent needs an action"}
		}
		if in.Href == "" || !strings.HasPrefix(in.Href, "/") {
			return &FieldError{"intents", "every intent needs an href starting with /"}
		}
	}
	for name, s := range m.Services {
		if name == "" {
			return &FieldError{"services", "a service has an empty name"}
		}
		if s.Type != "node" {
			return &FieldError{"services", fmt.Sprintf("service %q: type must be \"node\"", name)}
		}
		if !relPath(s.File) {
			return &FieldError{"services", fmt.Sprintf("service %q: file must be a path inside the package", name)}
		}
	}
	for p, r := range m.Routes {
		if !strings.HasPrefix(p, "/") || strings.Contains(p, "..") {
			return &FieldError{"routes", fmt.Sprintf("route %q must start with / and not climb", p)}
		}
		if !strings.HasPrefix(r.Folder, "/") || !relPath(r.Folder) {
			return &FieldError{"routes", fmt.Sprintf("route %q: folder must be an absolute path inside the package", p)}
		}
		if r.Index != "" && !relPath(r.Index) {
			return &FieldError{"routes", fmt.Sprintf("route %q: bad index", p)}
		}
	}
	for n := range m.Notifications {
		if n == "" {
			return &FieldError{"notifications", "a notification has an empty name"}
		}
	}
	if len(m.AcceptDocumentsFromFlagship) > 0 && !m.AcceptFromFlagship {
		return &FieldError{"accept_documents_from_flagship", "needs accept_from_flagship"}
	}
	if k == Konnector {
		switch m.Type {
		case "", "konnector", "node":
		default:
			return &FieldError{"type", "a konnector's type is \"konnector\" or \"node\""}
		}
		if m.Language != "" && m.Language != "node" {
			return &FieldError{"language", "only \"node\" konnectors are supported"}
		}
	} else if m.Type != "" && m.Type != "webapp" {
		return &FieldError{"type", "a web app's type is \"webapp\""}
	}
	return nil
}

// DefaultRoutes is the route set of an app whose manifest has none.
func DefaultRoutes() map[string]Route {
	return map[string]Route{"/": {Folder: "/", Index: "index.html", Public: false}}
}

// AppRoutes returns the manifest's routes, or the default one.
func (m *Manifest) AppRoutes() map[string]Route {
	if len(m.Routes) == 0 {
		return DefaultRoutes()
	}
	return m.Routes
}
