package notification

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Doctype is the doctype of stored notifications.
const Doctype = "io.cozy.notifications"

// ErrInvalid is wrapped by every error about a notification's content or
// its category.
var ErrInvalid = errors.New("invalid notification")

// Notification is an io.cozy.notifications document.
type Notification struct {
	ID  string `json:"_id,omitempty"`
	Rev string `json:"_rev,omitempty"`

	SourceID   string `json:"source_id"`
	Originator string `json:"originator"` // "app" or "konnector"
	Slug       string `json:"slug"`

	Category          string         `json:"category"`
	CategoryID        string         `json:"category_id,omitempty"`
	Title             string         `json:"title"`
	Message           string         `json:"message,omitempty"`
	Priority          string         `json:"priority,omitempty"`
	State             string         `json:"state,omitempty"`
	PreferredChannels []string       `json:"preferred_channels,omitempty"`
	Data              map[string]any `json:"data,omitempty"`
	At                string         `json:"at,omitempty"`
	CreatedAt         time.Time      `json:"created_at"`
}

// Category is one entry of a manifest's "notifications".
type Category struct {
	Description     string            `json:"description,omitempty"`
	Collapsible     bool              `json:"collapsible,omitempty"`
	Stateful        bool              `json:"stateful,omitempty"`
	Multiple        bool              `json:"multiple,omitempty"`
	DefaultPriority string            `json:"default_priority,omitempty"`
	Templates       map[string]string `json:"templates,omitempty"`
}

// channels are the channels upstream knows.
var channels = []string{"mobile", "sms", "mail"}

const (
	maxTitle   = 1024
	maxMessage = 64 << 10
	maxData    = 64 << 10
)

// Validate checks n against the declared categories and fills the defaults
// (priority). It does not touch the server-set fields.
func Validate(n *Notification, categories map[string]Category) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
	}
	if n.Category == "" {
		return bad("category is required")
	}
	cat, ok := categories[n.Category]
	if !ok {
		return bad("category %q is not declared in the app's manifest", n.Category)
	}
	if cat.Multiple && n.CategoryID == "" {
		return bad("category %q is multiple: category_id is required", n.Category)
	}
	if !cat.Multiple && n.CategoryID != "" {
		return bad("category %q is not multiple: category_id is not allowed", n.Category)
	}
	if cat.Stateful && n.State == "" {
		return bad("category %q is stateful: state is required", n.Category)
	}
	if n.Title == "" || len(n.Title) > maxTitle {
		return bad("title is required (at most %d bytes)", maxTitle)
	}
	if len(n.Message) > maxMessage {
		return bad("message is longer than %d bytes", maxMessage)
	}
	if n.Priority == "" {
		n.Priority = cat.DefaultPriority
	}
	if n.Priority != "" && n.Priority != "high" && n.Priority != "normal" {
		return bad("priority %q (high or normal)", n.Priority)
	}
	for _, ch := range n.PreferredChannels {
		if !slices.Contains(channels, ch) {
			return bad("unknown channel %q (mobile, sms or mail)", ch)
		}
	}
	if n.Data != nil {
		if raw, err := json.Marshal(n.Data); err != nil || len(raw) > maxData {
			return bad("data must be a JSON object of at most %d bytes", maxData)
		}
	}
	if n.At != "" {
		return bad("delayed notifications (at) are not supported")
	}
	return nil
}

// sourceID is upstream's source_id: cozy/<originator>/<slug>/<category>[/<category_id>].
func sourceID(originator, slug, category, categoryID string) string {
	id := "cozy/" + originator + "/" + slug + "/" + category
	if categoryID != "" {
		id += "/" + categoryID
	}
	return id
}
