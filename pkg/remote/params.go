package remote

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
)

// MaxParamsSize caps the JSON body of a POST /remote/:doctype call.
const MaxParamsSize = 1 << 20

// ParamsFromQuery turns a GET query string into call parameters, keeping
// the first value of each name.
func ParamsFromQuery(q url.Values) map[string]string {
	out := make(map[string]string, len(q))
	for k, v := range q {
		if len(v) > 0 {
			out[k] = v[0]
		}
	}
	return out
}

// ParamsFromJSON reads the JSON object of a POST call into parameters. Values
// must be strings (as upstream); anything else, a body over MaxParamsSize or
// trailing data gives an error wrapping ErrInvalidVariable. An empty body
// gives no parameters.
func ParamsFromJSON(r io.Reader) (map[string]string, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxParamsSize+1))
	if err != nil {
		return nil, fmt.Errorf("%w: read body: %w", ErrInvalidVariable, err)
	}
	if len(data) > MaxParamsSize {
		return nil, fmt.Errorf("%w: body larger than %d bytes", ErrInvalidVariable, MaxParamsSize)
	}
	out := map[string]string{}
	if len(data) == 0 {
		return out, nil
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("%w: the body must be a JSON object of strings: %w", ErrInvalidVariable, err)
	}
	if out == nil { // the body was JSON null
		out = map[string]string{}
	}
	return out, nil
}
