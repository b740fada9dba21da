package data_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/web/webtest"
)

// TestAttachmentsCountInTheQuota: attachment contents count in the disk
// usage and against the instance's disk quota like files: an attachment
// that would exceed it is refused with 413 and nothing is stored, and the
// files' room shrinks by what the attachments take.
func TestAttachmentsCountInTheQuota(t *testing.T) {
	e := webtest.NewEnv(t, &config.Config{}, instance.Options{DiskQuota: 1000})
	tok := e.Token(t, "io.cozy.test io.cozy.files")
	text := map[string]string{"Content-Type": "text/plain"}
	e.Run(t, []webtest.Scenario{
		{Name: "attachment within the quota", Method: "PUT", URL: "/data/io.cozy.test/doc1/a.txt", Body: strings.Repeat("a", 600),
			Headers: text, Token: tok, ExpectedStatus: 201},
		{Name: "attachment over the quota", Method: "PUT", URL: "/data/io.cozy.test/doc2/b.txt", Body: strings.Repeat("b", 500),
			Headers: text, Token: tok, ExpectedStatus: 413, ExpectedContent: []string{"not enough space"}},
		{Name: "nothing stored", Method: "GET", URL: "/data/io.cozy.test/doc2", Token: tok, ExpectedStatus: 404},
		{Name: "counted in the usage", Method: "GET", URL: "/settings/disk-usage", Token: tok, ExpectedStatus: 200,
			ExpectedContent: []string{`"used":"600"`, `"files":"0"`, `"quota":"1000"`}},
		{Name: "a file over what the attachments left", Method: "POST", URL: "/files/?Type=file&Name=f.txt", Body: strings.Repeat("f", 500),
			Headers: text, Token: tok, ExpectedStatus: 413},
		{Name: "a file within it", Method: "POST", URL: "/files/?Type=file&Name=g.txt", Body: strings.Repeat("g", 300),
			Headers: text, Token: tok, ExpectedStatus: 201},
		{Name: "inline attachment over the rest", Method: "PUT", URL: "/data/io.cozy.test/doc3",
			Body:  `{"_attachments":{"c.txt":{"content_type":"text/plain","data":"` + base64.StdEncoding.EncodeToString([]byte(strings.Repeat("c", 200))) + `"}}}`,
			Token: tok, ExpectedStatus: 413},
		{Name: "inline refused, nothing stored", Method: "GET", URL: "/data/io.cozy.test/doc3", Token: tok, ExpectedStatus: 404},
		{Name: "usage after", Method: "GET", URL: "/settings/disk-usage", Token: tok, ExpectedStatus: 200,
			ExpectedContent: []string{`"used":"900"`, `"files":"300"`}},
	})
}
