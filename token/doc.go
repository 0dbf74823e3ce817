// Package token issues and verifies keycard session tokens.
package token

import (
	_ "github.com/lestrrat-go/jwx/v3/jws"
	_ "github.com/rs/zerolog"
	_ "golang.org/x/crypto/bcrypt"
)
