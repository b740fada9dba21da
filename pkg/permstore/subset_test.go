package permstore_test

import (
	"errors"
	"testing"

	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/permstore"
)

func TestCovers(t *testing.T) {
	tests := []struct {
		parent, child string
		ok            bool
	}{
		{"io.cozy.files", "io.cozy.files:GET:dir1", true},
		{"io.cozy.files", "io.cozy.files", true},
		{"io.cozy.files:GET", "io.cozy.files:GET,POST:dir1", false},
		{"io.cozy.files:GET:dir1,dir2", "io.cozy.files:GET:dir2", true},
		{"io.cozy.files:GET:dir1", "io.cozy.files:GET:dir2", false},
		{"io.cozy.files:GET:dir1", "io.cozy.files:GET", false},
		{"io.cozy.events:GET:cal1:calendar", "io.cozy.events:GET:cal1:calendar", true},
		{"io.cozy.events:GET:cal1:calendar", "io.cozy.events:GET:cal1", false},
		{"io.cozy.events:GET:ev1:_id", "io.cozy.events:GET:ev1", true},
		{"io.cozy.bank.*", "io.cozy.bank.accounts:GET", true},
		{"io.cozy.bank.accounts", "io.cozy.bank.*", false},
		{"io.cozy.contacts", "io.cozy.files:GET", false},
		{"io.cozy.contacts io.cozy.files:GET", "io.cozy.files:GET:f1 io.cozy.contacts:DELETE", true},
	}
	for _, tt := range tests {
		t.Run(tt.parent+" > "+tt.child, func(t *testing.T) {
			err := permstore.Covers(rules(t, tt.parent), rules(t, tt.child))
			if tt.ok && err != nil {
				t.Fatalf("want covered, got %v", err)
			}
			if !tt.ok && !errors.Is(err, permission.ErrForbidden) {
				t.Fatalf("want ErrForbidden, got %v", err)
			}
		})
	}
}
