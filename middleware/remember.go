package middleware

import (
	"fmt"
	"time"
)

// Defaults of "remember me".
const (
	// DefaultRememberField is the login form's and JSON body's "remember me" field.
	DefaultRememberField = "remember"

	// DefaultRememberLifetime bounds a remembered session from its start.
	DefaultRememberLifetime = 30 * 24 * time.Hour
)

// maxRememberLifetime is the longest a token may live (the token package's bound), and so the
// longest a remembered session, whose token lasts until the session ends, may last.
const maxRememberLifetime = 30 * 24 * time.Hour

// WithRememberField sets the name of the login form's or JSON body's "remember me" field.
// Default [DefaultRememberField]. In a form, a checkbox: "on", "true", "1" or "yes" remember,
// "off", "false", "0", "no" or an empty value do not; in JSON, also true or false. Any other
// value is a bad request (400). When the field is absent, a new session is not remembered and a
// re-authentication keeps the session's choice.
func WithRememberField(name string) Option {
	return func(c *config) error {
		if name == "" || name == "password" || name == "next" || name == c.identifierField {
			return fmt.Errorf("middleware: invalid remember-me field %q", name)
		}
		c.rememberField = name
		return nil
	}
}

// WithRememberLifetime bounds a remembered session ([RememberMe]) from its start, however
// often it is used. Default [DefaultRememberLifetime], which is also the longest allowed: a
// remembered session's token lives until the session ends, so that it outlasts a closed
// browser, and a token lives 30 days at most. It must be at least the token lifetime. Logout,
// [Sessions.EndAll] and the device list end a remembered session like any other.
func WithRememberLifetime(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 || d > maxRememberLifetime {
			return fmt.Errorf("middleware: remember-me lifetime %v not in (0, %v]", d, maxRememberLifetime)
		}
		c.rememberLifetime = d
		return nil
	}
}

// rememberValue reads a "remember me" field's value.
func rememberValue(v string) (remember, ok bool) {
	switch v {
	case "on", "true", "1", "yes":
		return true, true
	case "", "off", "false", "0", "no":
		return false, true
	}
	return false, false
}
