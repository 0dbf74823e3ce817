package passkey_test

import (
	"testing"

	"github.com/keycard-go/keycard/passkey"
	"github.com/keycard-go/keycard/passkey/passkeytest"
)

func TestMemoryStore(t *testing.T) {
	passkeytest.TestStore(t, func(*testing.T) passkey.Store { return passkey.NewMemoryStore() })
}
