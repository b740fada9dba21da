package services

import (
	"errors"
	"fmt"
	"testing"
)

func TestScriptError(t *testing.T) {
	var err error = &ScriptError{Message: "TypeError: x is undefined", Stack: "at main (svc.js:1:1)"}
	if got := err.Error(); got != "service failed: TypeError: x is undefined" {
		t.Errorf("Error() = %q", got)
	}
	wrapped := fmt.Errorf("job 42: %w", err)
	var se *ScriptError
	if !errors.As(wrapped, &se) || se.Stack == "" {
		t.Errorf("errors.As through a wrap failed: %v", wrapped)
	}
}

func TestLimitErrorsAreDistinct(t *testing.T) {
	all := []error{ErrTimeLimit, ErrMemoryLimit, ErrOutputLimit, ErrExit}
	for i, a := range all {
		for j, b := range all {
			if (i == j) != errors.Is(fmt.Errorf("x: %w", a), b) {
				t.Errorf("errors.Is(%v, %v) wrong", a, b)
			}
		}
	}
}
