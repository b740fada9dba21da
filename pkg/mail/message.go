package mail

import (
	"bytes"
	"encoding/base64"

	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"

	"github.com/cozypi/cozy/pkg/ident"
)

// Modes of a message, as upstream's sendmail worker names them.
const (
	ModeNoReply = "noreply"
	ModeFrom    = "from"
)

// ErrInvalid is wrapped by every error about a message's content.
var ErrInvalid = errors.New("invalid mail")

// Address is a recipient or sender.
type Address struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email"`
}

// Part is one body of a message: text/plain or text/html.
type Part struct {
	Type string `json:"type"`
	Body string `json:"body"`
}

// Attachment is a file attached to a message; Content is base64.
type Attachment struct {
	Filename string `json:"filename"`
	Content  string `json:"content"`
}

// Message is a mail to send; its JSON form is the sendmail job's options.
type Message struct {
	Mode        string       `json:"mode"`
	To          []Address    `json:"to,omitempty"` // not used in noreply mode
	Subject     string       `json:"subject"`
	Parts       []Part       `json:"parts"`
	Attachments []Attachment `json:"attachments,omitempty"`

	// Owner is the instance's owner (name and email from its settings):
	// the recipient in noreply mode, the author in from mode.
	Owner Address `json:"-"`
	// Domain is the instance's domain, for the default noreply address
	// and the Message-ID.
	Domain string `json:"-"`
}

// limits of a message.
const (
	maxRecipients = 100
	maxSubject    = 998
	maxSize       = 20 << 20 // bodies and attachments, decoded
)

// envelope is who the SMTP transaction is from and to.
type envelope struct {
	from string
	to   []string
}

// build checks msg and renders it (headers and body, CRLF line ends).
func build(msg Message, noReply Address, now time.Time) (envelope, []byte, error) {
	var env envelope
	bad := func(format string, args ...any) (envelope, []byte, error) {
		return env, nil, fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
	}
	from := noReply
	var to []Address
	var replyTo *Address
	switch msg.Mode {
	case ModeNoReply:
		if msg.Owner.Email == "" {
			return bad("noreply mode needs the owner's email address (set it in the instance settings)")
		}
		to = []Address{msg.Owner}
	case ModeFrom:
		if msg.Owner.Email == "" {
			return bad("from mode needs the owner's email address (set it in the instance settings)")
		}
		to = msg.To
		if msg.Owner.Name != "" {
			from.Name = msg.Owner.Name
		}
		owner := msg.Owner
		replyTo = &owner
	default:
		return bad("unknown mode %q (noreply or from)", msg.Mode)
	}
	if len(to) == 0 || len(to) > maxRecipients {
		return bad("between 1 and %d recipients are needed", maxRecipients)
	}
	if strings.ContainsAny(msg.Subject, "\r\n") || len(msg.Subject) > maxSubject {
		return bad("the subject must be one line of at most %d bytes", maxSubject)
	}
	if len(msg.Parts) == 0 {
		return bad("at least one part is needed")
	}
	size := 0
	for _, p := range msg.Parts {
		if p.Type != "text/plain" && p.Type != "text/html" {
			return bad("part type %q (text/plain or text/html)", p.Type)
		}
		size += len(p.Body)
	}
	files := make([][]byte, len(msg.Attachments))
	for i, a := range msg.Attachments {
		data, err := base64.StdEncoding.DecodeString(a.Content)
		if err != nil {
			return bad("attachment %q is not base64", a.Filename)
		}
		if a.Filename == "" || strings.ContainsAny(a.Filename, "\r\n\"/\\") {
			return bad("attachment file name %q", a.Filename)
		}
		files[i] = data
		size += len(data)
	}
	if size > maxSize {
		return bad("the message is larger than %d bytes", maxSize)
	}

	fromH, err := header(from)
	if err != nil {
		return bad("sender: %v", err)
	}
	env.from = from.Email
	toH := make([]string, len(to))
	for i, a := range to {
		if toH[i], err = header(a); err != nil {
			return bad("recipient: %v", err)
		}
		env.to = append(env.to, a.Email)
	}

	var buf bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&buf, "%s: %s\r\n", k, v) }
	h("From", fromH)
	h("To", strings.Join(toH, ", "))
	if replyTo != nil {
		rt, err := header(*replyTo)
		if err != nil {
			return bad("owner: %v", err)
		}
		h("Reply-To", rt)
	}
	h("Subject", mime.QEncoding.Encode("utf-8", msg.Subject))
	h("Date", now.Format(time.RFC1123Z))
	h("Message-ID", messageID(msg.Domain))
	h("MIME-Version", "1.0")
	if err := body(&buf, msg.Parts, msg.Attachments, files); err != nil {
		return env, nil, err
	}
	return env, buf.Bytes(), nil
}

// header renders an address for a header, after checking it.
func header(a Address) (string, error) {
	parsed, err := mail.ParseAddress(a.Email)
	if err != nil || parsed.Address != a.Email || parsed.Name != "" {
		return "", fmt.Errorf("%q is not an email address", a.Email)
	}
	if strings.ContainsAny(a.Name, "\r\n") {
		return "", fmt.Errorf("the name of %s spans lines", a.Email)
	}
	return (&mail.Address{Name: a.Name, Address: a.Email}).String(), nil
}

func messageID(domain string) string {
	host := domain
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	if host == "" {
		host = "localhost"
	}
	return "<" + ident.Hex(12) + "@" + host + ">"
}

// body writes the Content-Type header and the body.
func body(buf *bytes.Buffer, parts []Part, atts []Attachment, files [][]byte) error {
	if len(parts) == 1 && len(atts) == 0 {
		return writeText(buf, nil, parts[0], true)
	}
	if len(atts) == 0 {
		return writeAlternative(buf, nil, parts, true)
	}
	mixed := multipart.NewWriter(buf)
	fmt.Fprintf(buf, "Content-Type: multipart/mixed; boundary=%s\r\n\r\n", mixed.Boundary())
	if len(parts) == 1 {
		if err := writeText(nil, mixed, parts[0], false); err != nil {
			return err
		}
	} else if err := writeAlternative(nil, mixed, parts, false); err != nil {
		return err
	}
	for i, a := range atts {
		ctype := mime.TypeByExtension(extension(a.Filename))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		w, err := mixed.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {ctype},
			"Content-Transfer-Encoding": {"base64"},
			"Content-Disposition":       {mime.FormatMediaType("attachment", map[string]string{"filename": a.Filename})},
		})
		if err != nil {
			return err
		}
		enc := base64.StdEncoding.EncodeToString(files[i])
		for len(enc) > 76 {
			fmt.Fprintf(w, "%s\r\n", enc[:76])
			enc = enc[76:]
		}
		fmt.Fprintf(w, "%s\r\n", enc)
	}
	return mixed.Close()
}

func extension(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i:]
	}
	return ""
}

// writeAlternative writes the parts as multipart/alternative, at the top
// of the message (top) or as a part of parent.
func writeAlternative(buf *bytes.Buffer, parent *multipart.Writer, parts []Part, top bool) error {
	var inner bytes.Buffer
	alt := multipart.NewWriter(&inner)
	ctype := "multipart/alternative; boundary=" + alt.Boundary()
	// Plain text first: clients show the last alternative they understand.
	ordered := make([]Part, 0, len(parts))
	for _, p := range parts {
		if p.Type == "text/plain" {
			ordered = append(ordered, p)
		}
	}
	for _, p := range parts {
		if p.Type != "text/plain" {
			ordered = append(ordered, p)
		}
	}
	for _, p := range ordered {
		if err := writeText(nil, alt, p, false); err != nil {
			return err
		}
	}
	if err := alt.Close(); err != nil {
		return err
	}
	if top {
		fmt.Fprintf(buf, "Content-Type: %s\r\n\r\n", ctype)
		buf.Write(inner.Bytes())
		return nil
	}
	w, err := parent.CreatePart(textproto.MIMEHeader{"Content-Type": {ctype}})
	if err != nil {
		return err
	}
	_, err = w.Write(inner.Bytes())
	return err
}

// writeText writes one text part, quoted-printable.
func writeText(buf *bytes.Buffer, parent *multipart.Writer, p Part, top bool) error {
	ctype := p.Type + "; charset=utf-8"
	var w interface{ Write([]byte) (int, error) }
	if top {
		fmt.Fprintf(buf, "Content-Type: %s\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", ctype)
		w = buf
	} else {
		pw, err := parent.CreatePart(textproto.MIMEHeader{"Content-Type": {ctype}, "Content-Transfer-Encoding": {"quoted-printable"}})
		if err != nil {
			return err
		}
		w = pw
	}
	qp := quotedprintable.NewWriter(w)
	if _, err := qp.Write([]byte(p.Body)); err != nil {
		return err
	}
	return qp.Close()
}
