// Package intent starts intents (intents.md): an app (the client) asks
// for an action on a type; the services are the installed web apps whose
// manifest declares an intent for that action and type (and, for a
// doctype with permissions asked, whose own permissions cover them). An
// intent is stored in io.cozy.intents so that the service can read it.
//
// Limits: availableApps (apps of the registries that are not installed
// but would handle the intent) is always empty: the registries are not
// searched. The PICK io.cozy.apps choice page is not provided.
package intent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/ident"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/store"
)

// Doctype is where intents are stored.
const Doctype = "io.cozy.intents"

// Errors of intents.
var (
	ErrInvalid  = errors.New("invalid intent")   // 400
	ErrNotFound = errors.New("intent not found") // 404
)

// Service is an app that handles an intent, and the address it handles it at.
type Service struct {
	Slug string `json:"slug"`
	Href string `json:"href"`
}

// AvailableApp is an app not installed that would handle an intent.
type AvailableApp struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// Intent is a started intent.
type Intent struct {
	ID            string         `json:"-"`
	Rev           string         `json:"-"`
	Action        string         `json:"action"`
	Type          string         `json:"type"`
	Permissions   []string       `json:"permissions,omitempty"`
	Client        string         `json:"client"`
	Services      []Service      `json:"services"`
	AvailableApps []AvailableApp `json:"availableApps"`
	// PermissionID is the client's permission document.
	PermissionID string `json:"permission_id,omitempty"`
}

// Installed lists the installed web apps; *apps.Manager is one.
type Installed interface {
	List(ctx context.Context, inst *instance.Instance, k apps.Kind, startKey string, limit int) ([]*apps.App, string, error)
}

// Stores gives an instance's document store; *instance.Manager is one.
type Stores interface {
	Store(inst *instance.Instance) (store.Store, error)
}

// Intents resolves and stores intents.
type Intents struct {
	Apps   Installed
	Stores Stores
}

// Start checks the intent asked by the app clientSlug, finds its services
// and stores it.
func (s *Intents) Start(ctx context.Context, inst *instance.Instance, clientSlug, permissionID string, in Intent) (*Intent, error) {
	in.Action = strings.ToUpper(strings.TrimSpace(in.Action))
	in.Type = strings.TrimSpace(in.Type)
	if in.Action == "" || in.Type == "" || len(in.Action) > 64 || len(in.Type) > 256 {
		return nil, fmt.Errorf("%w: an action and a type are needed", ErrInvalid)
	}
	var verbs []permission.Verb
	for _, v := range in.Permissions {
		if strings.EqualFold(v, "ALL") {
			verbs = append(verbs, permission.GET, permission.POST, permission.PUT, permission.PATCH, permission.DELETE)
			continue
		}
		pv, err := permission.ParseVerb(v)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		verbs = append(verbs, pv)
	}
	in.ID = ident.DocID()
	in.Rev = ""
	in.Client = inst.AppOrigin(clientSlug)
	in.PermissionID = permissionID
	in.AvailableApps = []AvailableApp{}
	services, err := s.services(ctx, inst, in, verbs)
	if err != nil {
		return nil, err
	}
	in.Services = services
	st, err := s.Stores.Store(inst)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	res, err := st.DB(Doctype).Put(ctx, store.Doc{ID: in.ID, Body: body}, store.PutOptions{})
	if err != nil {
		return nil, fmt.Errorf("intent: store: %w", err)
	}
	in.Rev = res.Rev
	return &in, nil
}

// services finds the installed apps handling the intent, by slug.
func (s *Intents) services(ctx context.Context, inst *instance.Instance, in Intent, verbs []permission.Verb) ([]Service, error) {
	out := []Service{}
	for start := ""; ; {
		page, next, err := s.Apps.List(ctx, inst, apps.Webapp, start, 100)
		if err != nil {
			return nil, err
		}
		for _, a := range page {
			if (a.State != apps.Ready && a.State != apps.Upgrading) || a.Dir == "" {
				continue
			}
			for _, decl := range a.Manifest.Intents {
				if !handles(decl, in.Action, in.Type) || !covers(a.Manifest.Permissions, in.Type, verbs) {
					continue
				}
				out = append(out, Service{Slug: a.Slug, Href: serviceHref(inst, a.Slug, decl.Href, in.ID)})
				break
			}
		}
		if next == "" {
			break
		}
		start = next
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Slug < out[j].Slug })
	return out, nil
}

// handles reports whether a manifest's intent is for action on typ: the
// same action, and a type equal to typ or a MIME wildcard covering it
// ("image/*" covers "image/png").
func handles(decl apps.Intent, action, typ string) bool {
	if !strings.EqualFold(decl.Action, action) {
		return false
	}
	for _, t := range decl.Type {
		if strings.EqualFold(t, typ) {
			return true
		}
		if prefix, ok := strings.CutSuffix(t, "/*"); ok && strings.HasPrefix(strings.ToLower(typ), strings.ToLower(prefix)+"/") {
			return true
		}
	}
	return false
}

// covers reports whether the service's own permissions allow the verbs
// asked on a doctype: a service cannot hand out what it cannot do. A MIME
// type needs no permission.
func covers(perms permission.Set, typ string, verbs []permission.Verb) bool {
	if len(verbs) == 0 || strings.Contains(typ, "/") {
		return true
	}
	p := &permission.Permission{Rules: perms}
	for _, v := range verbs {
		if p.Allow(v, typ) != nil {
			return false
		}
	}
	return true
}

func serviceHref(inst *instance.Instance, slug, href, id string) string {
	u := inst.AppOrigin(slug) + href
	sep := "?"
	if strings.Contains(href, "?") {
		sep = "&"
	}
	return u + sep + "intent=" + url.QueryEscape(id)
}

// Get reads a stored intent.
func (s *Intents) Get(ctx context.Context, inst *instance.Instance, id string) (*Intent, error) {
	st, err := s.Stores.Store(inst)
	if err != nil {
		return nil, err
	}
	doc, err := st.DB(Doctype).Get(ctx, id, store.GetOptions{})
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("intent: %w", err)
	}
	var in Intent
	if err := json.Unmarshal(doc.Body, &in); err != nil {
		return nil, fmt.Errorf("intent: %w", err)
	}
	in.ID, in.Rev = doc.ID, doc.Rev
	if in.AvailableApps == nil {
		in.AvailableApps = []AvailableApp{}
	}
	if in.Services == nil {
		in.Services = []Service{}
	}
	return &in, nil
}

// HandledBy reports whether slug is one of the intent's services.
func (in *Intent) HandledBy(slug string) bool {
	for _, s := range in.Services {
		if s.Slug == slug {
			return true
		}
	}
	return false
}
