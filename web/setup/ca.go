package setup

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/http"
	"text/template"

	"github.com/cozypi/cozy/web/httperr"
	"github.com/gin-gonic/gin"
)

// rootDER is the box CA's root certificate, or a 404 when there is none
// (not the LAN way, or not made yet).
func (h *Handler) rootDER() (*x509.Certificate, error) {
	raw := h.Box.HTTPS().RootCA
	block, _ := pem.Decode(raw)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, httperr.NotFound("this box has no local certificate authority")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("setup: the box CA root does not parse: %w", err)
	}
	return cert, nil
}

// caData is what the CA page shows.
type caData struct {
	Name        string
	Fingerprint string // SHA-256 of the root, to compare on the device
}

// caPage explains, platform by platform, how to trust the box CA.
func (h *Handler) caPage(c *gin.Context) error {
	cert, err := h.rootDER()
	if err != nil {
		return err
	}
	sum := sha256.Sum256(cert.Raw)
	return render(c, http.StatusOK, "ca.html", caData{Name: h.Box.Name(), Fingerprint: fmt.Sprintf("% X", sum[:])})
}

// caCert is the root as a DER .crt, the form every platform's installer
// takes.
func (h *Handler) caCert(c *gin.Context) error {
	cert, err := h.rootDER()
	if err != nil {
		return err
	}
	c.Header("Content-Disposition", `attachment; filename="`+h.Box.Name()+`-box-ca.crt"`)
	c.Data(http.StatusOK, "application/x-x509-ca-cert", cert.Raw)
	return nil
}

// profile is an iOS configuration profile holding one root certificate
// (com.apple.security.root). Its UUIDs come from the certificate, so that
// downloading it again replaces the same profile.
var profile = template.Must(template.New("").Parse(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>PayloadContent</key>
	<array>
		<dict>
			<key>PayloadCertificateFileName</key>
			<string>{{.Name}}-box-ca.crt</string>
			<key>PayloadContent</key>
			<data>{{.DER}}</data>
			<key>PayloadDisplayName</key>
			<string>{{.Name}} box CA</string>
			<key>PayloadIdentifier</key>
			<string>local.{{.Name}}.box.ca.root</string>
			<key>PayloadType</key>
			<string>com.apple.security.root</string>
			<key>PayloadUUID</key>
			<string>{{.CertUUID}}</string>
			<key>PayloadVersion</key>
			<integer>1</integer>
		</dict>
	</array>
	<key>PayloadDescription</key>
	<string>Lets this device trust the HTTPS of the Cozy box {{.Name}}.local on your home network.</string>
	<key>PayloadDisplayName</key>
	<string>Cozy box {{.Name}}.local</string>
	<key>PayloadIdentifier</key>
	<string>local.{{.Name}}.box.ca</string>
	<key>PayloadType</key>
	<string>Configuration</string>
	<key>PayloadUUID</key>
	<string>{{.UUID}}</string>
	<key>PayloadVersion</key>
	<integer>1</integer>
</dict>
</plist>
`))

// caProfile is the root as an iOS .mobileconfig profile.
func (h *Handler) caProfile(c *gin.Context) error {
	cert, err := h.rootDER()
	if err != nil {
		return err
	}
	sum := sha256.Sum256(cert.Raw)
	var buf bytes.Buffer
	err = profile.Execute(&buf, map[string]string{"Name": h.Box.Name(), "DER": base64.StdEncoding.EncodeToString(cert.Raw),
		"UUID": uuid(sum[:16]), "CertUUID": uuid(sum[16:])})
	if err != nil {
		return err
	}
	c.Header("Content-Disposition", `attachment; filename="`+h.Box.Name()+`-box-ca.mobileconfig"`)
	c.Data(http.StatusOK, "application/x-apple-aspen-config", buf.Bytes())
	return nil
}

// uuid formats 16 bytes as a version 4 style UUID.
func uuid(b []byte) string {
	u := make([]byte, 16)
	copy(u, b)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%X-%X-%X-%X-%X", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
