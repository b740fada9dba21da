package remote_test

import (
	"fmt"
	"strings"

	"github.com/cozypi/cozy/pkg/remote"
)

// A definition is parsed once and rendered per call; secrets never reach the
// URL meant for logs.
func ExampleRender() {
	def, err := remote.ParseRequest(strings.NewReader(
		"GET https://img.omdbapi.com/?apikey={{secret_key}}&i={{i}}\nAccept: image/*\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := remote.Render(def, map[string]string{"i": "tt 42", "comment": "not sent"}, map[string]string{"key": "abc"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Method, r.URL)
	fmt.Println(r.LogURL)
	fmt.Println(r.Header.Get("Accept"))

	_, err = remote.Render(def, nil, nil)
	fmt.Println(remote.HTTPStatus(err), err)
	// Output:
	// GET https://img.omdbapi.com/?apikey=abc&i=tt+42
	// https://img.omdbapi.com/?apikey=REDACTED&i=tt+42
	// image/*
	// 400 a variable is used in the template, but no value was given
}
