package integrations

import (
	"os"

	"github.com/keycard-go/keycard/token"
)

// loadKey reads a private JWK, as `keycard keygen -alg EdDSA` prints it, from a file only the
// service can read (a systemd credential, a mounted Kubernetes Secret, mode 0400).
func loadKey(path string) (*token.Key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	defer clear(data) // ParseJWK keeps its own copy
	return token.ParseJWK(data)
}

// reloadKeys is what an instance runs at each step of the rotation runbook (on SIGHUP, say):
// it swaps in the key set that the step names.
func reloadKeys(codec *token.Codec[User], signing *token.Key, verifyOnly ...*token.Key) error {
	keys, err := token.NewKeySet(signing, verifyOnly...)
	if err != nil {
		return err // the current keys stay in place
	}
	return codec.SetKeys(keys) // atomic: requests in flight finish with the old set
}
