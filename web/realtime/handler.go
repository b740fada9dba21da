package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/coder/websocket"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/realtime"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/cozypi/cozy/web/request"
	"github.com/gin-gonic/gin"
)

// Subprotocol is the websocket subprotocol of upstream's realtime API.
const Subprotocol = "io.cozy.websocket"

const (
	maxMessage   = 64 << 10 // largest client message
	maxNotify    = 1 << 20  // largest POST /realtime body
	authTimeout  = 30 * time.Second
	writeTimeout = 10 * time.Second
)

// Handler serves /realtime.
type Handler struct {
	Hub  *realtime.Hub
	Auth *middleware.Auth
	Log  *slog.Logger
	// Buffer is the number of events a connection may lag behind before
	// it is closed (realtime.DefaultBuffer when 0).
	Buffer int
}

// Register adds the routes.
func (h *Handler) Register(r *gin.RouterGroup) {
	r.GET("/realtime/", h.socket)
	r.POST("/realtime/:doctype/:id", httperr.Handle(h.notify))
}

// notify handles POST /realtime/:doctype/:id.
func (h *Handler) notify(c *gin.Context) error {
	doctype, id := c.Param("doctype"), c.Param("id")
	if err := permission.ValidateDoctype(doctype); err != nil {
		return err
	}
	if err := h.Auth.RequireDoc(c, permission.POST, doctype, permission.MapDoc{"_id": id}); err != nil {
		return err
	}
	body, err := request.Body(c, maxNotify)
	if err != nil {
		return err
	}
	var obj map[string]json.RawMessage
	if err := request.Decode(body, &obj); err != nil || obj == nil {
		return httperr.BadRequest("the body must be a JSON object")
	}
	h.Hub.Publish(middleware.GetInstance(c).ID, &realtime.Event{Verb: realtime.Notified, Doctype: doctype, ID: id, Doc: body})
	c.Status(http.StatusNoContent)
	return nil
}

// command is a client message.
type command struct {
	Method  string          `json:"method"`
	Payload json.RawMessage `json:"payload"`
}

// selector is the payload of SUBSCRIBE and UNSUBSCRIBE.
type selector struct {
	Type string `json:"type"`
	ID   string `json:"id,omitempty"`
}

// errorEvent is the "error" event's payload, as upstream shapes it.
type errorEvent struct {
	Status string   `json:"status"`
	Code   string   `json:"code"`
	Title  string   `json:"title"`
	Source *command `json:"source,omitempty"`
}

// socket handles GET /realtime/.
func (h *Handler) socket(c *gin.Context) {
	inst := middleware.GetInstance(c)
	conn, err := websocket.Accept(c.Writer, c.Request, &websocket.AcceptOptions{
		Subprotocols: []string{Subprotocol},
		// Apps live on other origins (sub-domains); authentication is the
		// token of the AUTH message, which a foreign page cannot read.
		InsecureSkipVerify: true,
	})
	if err != nil {
		return // Accept answered the client
	}
	defer conn.CloseNow()
	conn.SetReadLimit(maxMessage)
	ctx := c.Request.Context()
	perm, err := h.authenticate(ctx, c, conn)
	if err != nil {
		return
	}
	sub := h.Hub.Subscribe(inst.ID, h.Buffer)
	defer sub.Close()
	// The reader is owned here: it ends when the connection does (CloseNow
	// below, run first), and the handler waits for it before returning.
	reader := make(chan struct{})
	defer func() { <-reader }()
	defer conn.CloseNow()
	go func() {
		defer close(reader)
		h.readLoop(ctx, conn, sub, perm)
	}()
	for ev := range sub.C() {
		msg, err := ev.Message()
		if err != nil {
			h.Log.Warn("realtime: an event could not be encoded", "doctype", ev.Doctype, "id", ev.ID, "error", err)
			continue
		}
		if err := write(ctx, conn, msg); err != nil {
			return
		}
	}
	if sub.Dropped() {
		// No silent gap: the client is told that events were lost, and
		// resyncs (reloads what it watches) when it reconnects.
		h.Log.Info("realtime: a client too slow to read its events was disconnected", "domain", inst.Domain)
		h.sendError(ctx, conn, http.StatusServiceUnavailable, ResyncTitle, nil)
		conn.Close(websocket.StatusTryAgainLater, "too many events waiting: resync and reconnect")
		return
	}
	conn.Close(websocket.StatusNormalClosure, "")
}

// ResyncTitle is the title of the error event sent before closing the
// connection of a client that fell too far behind its events: the events
// after those it received were not sent, so it has to reload what it
// watches.
const ResyncTitle = "events were lost: reload the documents you watch"

// authenticate reads the AUTH message and resolves its token; on failure
// it sends an error event, closes the connection and returns the error.
func (h *Handler) authenticate(ctx context.Context, c *gin.Context, conn *websocket.Conn) (*permission.Permission, error) {
	actx, cancel := context.WithTimeout(ctx, authTimeout)
	defer cancel()
	cmd, err := readCommand(actx, conn)
	if err != nil {
		if errors.As(err, new(*json.SyntaxError)) || errors.As(err, new(*json.UnmarshalTypeError)) {
			h.sendError(ctx, conn, http.StatusBadRequest, "the message is not a JSON command", nil)
			conn.Close(websocket.StatusPolicyViolation, "invalid message")
		}
		return nil, err
	}
	var raw string
	if cmd.Method != "AUTH" || json.Unmarshal(cmd.Payload, &raw) != nil || raw == "" {
		h.sendError(ctx, conn, http.StatusUnauthorized, "the first message must be AUTH with a token", cmd)
		conn.Close(websocket.StatusPolicyViolation, "AUTH expected")
		return nil, errors.New("realtime: no AUTH message")
	}
	perm, err := h.permission(c, raw)
	if err != nil {
		h.sendError(ctx, conn, httperr.Status(err), httperr.Message(err), &command{Method: "AUTH"})
		conn.Close(websocket.StatusPolicyViolation, "authentication failed")
		return nil, err
	}
	return perm, nil
}

// permission resolves a token with the server's middleware.Auth, as if it
// came in the Authorization header of the upgrade request.
func (h *Handler) permission(c *gin.Context, raw string) (*permission.Permission, error) {
	sc := c.Copy()
	req := c.Request.Clone(c.Request.Context())
	req.Header.Set("Authorization", "Bearer "+raw)
	sc.Request = req
	return h.Auth.Permission(sc)
}

// readLoop applies SUBSCRIBE and UNSUBSCRIBE until the client goes away,
// then closes the subscription (which ends the write loop).
func (h *Handler) readLoop(ctx context.Context, conn *websocket.Conn, sub *realtime.Subscriber, perm *permission.Permission) {
	defer sub.Close()
	for {
		cmd, err := readCommand(ctx, conn)
		if err != nil {
			var se *json.SyntaxError
			var te *json.UnmarshalTypeError
			if errors.As(err, &se) || errors.As(err, &te) {
				h.sendError(ctx, conn, http.StatusBadRequest, "the message is not a JSON command", nil)
				continue
			}
			return
		}
		switch cmd.Method {
		case "SUBSCRIBE", "UNSUBSCRIBE":
			var sel selector
			if err := json.Unmarshal(cmd.Payload, &sel); err != nil || sel.Type == "" {
				h.sendError(ctx, conn, http.StatusBadRequest, "the payload must be {\"type\": doctype, \"id\": optional id}", cmd)
				continue
			}
			if cmd.Method == "UNSUBSCRIBE" {
				sub.Unwatch(sel.Type, sel.ID)
				continue
			}
			if err := allowed(perm, sel); err != nil {
				h.sendError(ctx, conn, httperr.Status(err), fmt.Sprintf("The Application can't subscribe to %s", describe(sel)), cmd)
				continue
			}
			sub.Watch(sel.Type, sel.ID)
		case "AUTH":
			h.sendError(ctx, conn, http.StatusBadRequest, "already authenticated", cmd)
		default:
			h.sendError(ctx, conn, http.StatusBadRequest, fmt.Sprintf("unknown method %q", cmd.Method), cmd)
		}
	}
}

// allowed checks GET on what a selector watches.
func allowed(perm *permission.Permission, sel selector) error {
	if err := permission.ValidateDoctype(sel.Type); err != nil {
		return err
	}
	if sel.ID == "" {
		return perm.Allow(permission.GET, sel.Type)
	}
	return perm.AllowID(permission.GET, sel.Type, sel.ID)
}

func describe(sel selector) string {
	if sel.ID == "" {
		return sel.Type
	}
	return sel.Type + "/" + sel.ID
}

func readCommand(ctx context.Context, conn *websocket.Conn) (*command, error) {
	typ, data, err := conn.Read(ctx)
	if err != nil {
		return nil, err
	}
	if typ != websocket.MessageText {
		return nil, &json.SyntaxError{Offset: 0}
	}
	var cmd command
	if err := json.Unmarshal(data, &cmd); err != nil {
		return nil, err
	}
	return &cmd, nil
}

func (h *Handler) sendError(ctx context.Context, conn *websocket.Conn, status int, title string, source *command) {
	msg, err := json.Marshal(struct {
		Event   string     `json:"event"`
		Payload errorEvent `json:"payload"`
	}{"error", errorEvent{
		Status: fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Code:   codeOf(status),
		Title:  title,
		Source: source,
	}})
	if err == nil {
		_ = write(ctx, conn, msg)
	}
}

func codeOf(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusBadRequest:
		return "bad_request"
	case http.StatusServiceUnavailable:
		return "service_unavailable"
	}
	return "internal_server_error"
}

func write(ctx context.Context, conn *websocket.Conn, msg []byte) error {
	wctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	return conn.Write(wctx, websocket.MessageText, msg)
}
