package oauth

import (
	"fmt"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/store"
)

// Opener gives the document store of an instance; *instance.Manager is one.
type Opener interface {
	Store(inst *instance.Instance) (store.Store, error)
}

func (s *Service) db(inst *instance.Instance, doctype string) (store.DB, error) {
	st, err := s.Stores.Store(inst)
	if err != nil {
		return nil, fmt.Errorf("oauth: %w", err)
	}
	return st.DB(doctype), nil
}
