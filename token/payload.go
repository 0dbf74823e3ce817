package token

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"unicode"
)

// validator is implemented by payload types that check themselves.
type validator interface{ Validate() error }

// payloadInfo is what New learns about T once, so Issue and Verify do not
// use reflection.
type payloadInfo struct {
	isPtr bool // T is a pointer to a struct
	// validate is 0 when neither T nor *T has a Validate method, 1 when T
	// has one, 2 when only *T has one.
	validate int
	// customJSON is set when T (or a pointer to it) has its own MarshalJSON
	// or MarshalText, so its JSON names cannot be known from its fields and
	// Issue checks the marshalled object instead.
	customJSON bool
}

// isRegisteredName reports whether a JSON name is reserved: the claims this
// package writes (sst, rem and sver are its own), the other RFC 7519 registered claims, and claims that other
// JOSE consumers give a security meaning (OpenID Connect's nonce, azp, acr,
// amr and hash claims; RFC 7800's cnf key binding; RFC 8693's act and
// may_act delegation).
//
// It compares the way encoding/json matches object keys to struct fields:
// with Unicode simple case folding, not just ASCII or strings.ToLower, so
// that "\u017fub" (long s), which json decodes into the "sub" field, counts
// as "sub".
func isRegisteredName(name string) bool {
	reserved := [...]string{"sub", "jti", "sid", "iss", "aud", "iat", "nbf", "exp", "auth_time",
		"sst", "rem", "sver", "nonce", "azp", "acr", "amr", "at_hash", "c_hash", "cnf", "act", "may_act"}
	for _, r := range reserved {
		if strings.EqualFold(name, r) {
			return true
		}
	}
	return false
}

// inspectPayload checks that T is a struct or pointer to struct whose JSON
// names avoid the registered claims.
func inspectPayload[T any]() (payloadInfo, error) {
	var info payloadInfo
	t := reflect.TypeFor[T]()
	st := t
	if t.Kind() == reflect.Pointer {
		info.isPtr = true
		st = t.Elem()
	}
	if st.Kind() != reflect.Struct {
		return info, fmt.Errorf("%w: %s is not a struct or pointer to struct", ErrInvalidType, t)
	}
	switch {
	case t.Implements(reflect.TypeFor[validator]()):
		info.validate = 1
	case reflect.PointerTo(t).Implements(reflect.TypeFor[validator]()):
		info.validate = 2
	}
	info.customJSON = hasCustomJSON(st)
	if !info.customJSON {
		if err := checkFieldNames(st, map[reflect.Type]bool{}); err != nil {
			return info, err
		}
	}
	return info, nil
}

// hasCustomJSON reports whether t or *t marshals itself.
func hasCustomJSON(t reflect.Type) bool {
	for _, x := range []reflect.Type{t, reflect.PointerTo(t)} {
		if x.Implements(reflect.TypeFor[json.Marshaler]()) || x.Implements(reflect.TypeFor[encoding.TextMarshaler]()) {
			return true
		}
	}
	return false
}

// checkFieldNames walks the JSON field names of struct type t the way
// encoding/json does, descending into untagged embedded structs, whose
// fields are promoted to the top level.
func checkFieldNames(t reflect.Type, seen map[reflect.Type]bool) error {
	if seen[t] {
		return nil
	}
	seen[t] = true
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if !isValidTag(name) {
			name = "" // encoding/json ignores an invalid tag name too
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				if err := checkFieldNames(ft, seen); err != nil {
					return err
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			if isRegisteredName(f.Name) {
				// encoding/json would read "exp" into a field Exp: the name needs a tag.
				why := "has no json tag"
				switch {
				case strings.HasPrefix(tag, ","):
					why = "has no name in its json tag"
				case tag != "":
					why = "has an invalid name in its json tag"
				}
				return fmt.Errorf("%w: field %s.%s %s, so encoding/json gives it the name %q, which matches a registered claim under case folding; add a json tag such as json:%q",
					ErrInvalidType, t, f.Name, why, f.Name, suggestName(f.Name))
			}
			continue
		}
		if isRegisteredName(name) {
			return fmt.Errorf("%w: field %s.%s has JSON name %q, a registered claim name under case folding; choose another name in its json tag, such as json:%q",
				ErrInvalidType, t, f.Name, name, suggestName(name))
		}
	}
	return nil
}

// suggestName proposes a JSON name for a field that collides with a
// registered claim: exp_at for Exp, app_sub for Sub.
func suggestName(name string) string {
	lower := strings.ToLower(name)
	switch lower {
	case "exp", "iat", "nbf":
		return lower + "_at"
	}
	return "app_" + lower
}

// isValidTag is encoding/json's rule for a usable tag name; json falls back
// to the Go field name otherwise, and so must the collision check.
func isValidTag(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

// checkObjectNames is the run-time form of checkFieldNames for payloads that
// marshal themselves: obj must be a JSON object without registered names.
func checkObjectNames(obj []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(obj, &m); err != nil {
		return fmt.Errorf("%w: payload is not a JSON object", ErrInvalidClaims)
	}
	for name := range m {
		if isRegisteredName(name) {
			return fmt.Errorf("%w: payload uses the registered claim name %q", ErrInvalidClaims, name)
		}
	}
	return nil
}

// validatePayload runs the payload's Validate method, if T or *T has one.
// A nil pointer payload is refused first, so Validate never sees one.
func validatePayload[T any](info payloadInfo, p *T) error {
	if info.isPtr && reflect.ValueOf(p).Elem().IsNil() {
		return fmt.Errorf("%w: nil payload", ErrInvalidClaims)
	}
	if info.validate == 0 {
		return nil
	}
	// Both cases put a pointer in the interface, so there is no allocation:
	// for a struct T, *T has T's Validate as well as its own; for T = *S,
	// *p is the pointer.
	var v validator
	if info.isPtr {
		v, _ = any(*p).(validator)
	} else {
		v, _ = any(p).(validator)
	}
	if v == nil { // cannot happen (New saw the method); no panic if it does
		return nil
	}
	if err := v.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidClaims, err)
	}
	return nil
}
