package apps

import (
	"encoding/json"
	"fmt"
	"time"
)

// State is where an app is in its life.
type State string

// The states of upstream. An install goes installing -> ready (or
// installed when its permissions are not acknowledged yet); an update
// goes ready -> upgrading -> ready; a failure of an install is errored,
// a failure of an update returns to ready with Error set (the previous
// version keeps serving).
const (
	Installing State = "installing"
	Upgrading  State = "upgrading"
	Installed  State = "installed"
	Ready      State = "ready"
	Errored    State = "errored"
)

// App is the document of an installed web app or konnector: its manifest's
// members, flattened as upstream renders them, and the install's own.
type App struct {
	Manifest Manifest `json:"-"`

	DocID     string    `json:"_id"`
	Rev       string    `json:"_rev,omitempty"`
	Slug      string    `json:"slug"`
	State     State     `json:"state"`
	Source    string    `json:"source"`
	Checksum  string    `json:"checksum,omitempty"`
	Error     string    `json:"error,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Dir is the directory holding the serving version's files, relative
	// to the package's directory; PrevDir the one before (kept for
	// requests in flight and downloads).
	Dir         string `json:"version_dir,omitempty"`
	PrevDir     string `json:"previous_version_dir,omitempty"`
	PrevVersion string `json:"previous_version,omitempty"`
	// AvailableVersion is a fetched update waiting for its permissions
	// to be acknowledged.
	AvailableVersion string `json:"available_version,omitempty"`
	// Registry tells the download route where a registry install came from.
	RegistryURL string `json:"registry_url,omitempty"`
}

// Kind returns the kind of the app from its document id.
func (a *App) Kind() Kind {
	if len(a.DocID) > len("io.cozy.konnectors/") && a.DocID[:len("io.cozy.konnectors/")] == "io.cozy.konnectors/" {
		return Konnector
	}
	return Webapp
}

// DocID is the id of the document of slug.
func DocID(k Kind, slug string) string { return k.Doctype() + "/" + slug }

type appFields App

// ownFields are the members of App that are not the manifest's.
var ownFields = map[string]bool{"slug": true, "state": true, "source": true, "checksum": true, "error": true,
	"created_at": true, "updated_at": true, "version_dir": true, "previous_version_dir": true,
	"previous_version": true, "available_version": true, "registry_url": true}

// MarshalJSON renders the manifest members and the app's.
func (a App) MarshalJSON() ([]byte, error) {
	m := a.Manifest
	if len(m.Routes) == 0 && a.Kind() == Webapp {
		m.Routes = DefaultRoutes()
	}
	mb, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(mb, &all); err != nil {
		return nil, err
	}
	ab, err := json.Marshal(appFields(a))
	if err != nil {
		return nil, err
	}
	var own map[string]json.RawMessage
	if err := json.Unmarshal(ab, &own); err != nil {
		return nil, err
	}
	for k, v := range own {
		all[k] = v
	}
	return json.Marshal(all)
}

// UnmarshalJSON reads a stored app document.
func (a *App) UnmarshalJSON(b []byte) error {
	var f appFields
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("apps: decode app: %w", err)
	}
	type plain Manifest
	var m plain
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("apps: decode app manifest: %w", err)
	}
	*a = App(f)
	a.Manifest = Manifest(m)
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err == nil {
		for k, v := range raw {
			if !known[k] && !ownFields[k] && k != "" && k[0] != '_' {
				if a.Manifest.Extra == nil {
					a.Manifest.Extra = map[string]json.RawMessage{}
				}
				a.Manifest.Extra[k] = v
			}
		}
	}
	return nil
}

// Version returns the version of the serving files.
func (a *App) Version() string { return a.Manifest.Version }
