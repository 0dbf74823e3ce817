package passkey_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/keycard-go/keycard/middleware"
)

func TestRegisterThenSignIn(t *testing.T) {
	f := newFixture(t)
	a := newAuthenticator(t)
	b := f.browser(t)
	b.signIn("user-1")

	opts := b.options("/passkey/register/options")
	var creation struct {
		RP   struct{ ID, Name string }
		User struct {
			ID          string `json:"id"`
			Name        string `json:"name"`
			DisplayName string `json:"displayName"`
		}
		Challenge              string `json:"challenge"`
		AuthenticatorSelection struct {
			ResidentKey      string `json:"residentKey"`
			UserVerification string `json:"userVerification"`
		} `json:"authenticatorSelection"`
		Timeout int `json:"timeout"`
	}
	if err := json.Unmarshal(opts, &creation); err != nil {
		t.Fatal(err)
	}
	if creation.RP.ID != "example.com" || creation.User.Name != "ada@example.com" || creation.User.DisplayName != "Ada" ||
		creation.AuthenticatorSelection.ResidentKey != "required" || creation.AuthenticatorSelection.UserVerification != "required" ||
		creation.Timeout != 300000 || len(creation.Challenge) < 22 {
		t.Errorf("creation options: %s", opts)
	}
	resp, err := a.Create(opts)
	if err != nil {
		t.Fatal(err)
	}
	rec := b.do("POST", "/passkey/register", resp)
	if rec.Code != http.StatusCreated {
		t.Fatalf("register: got %d %s, want 201", rec.Code, rec.Body)
	}
	creds, _ := f.store.List(t.Context(), "user-1")
	if len(creds) != 1 {
		t.Fatalf("store holds %d passkeys of user-1, want 1", len(creds))
	}

	// Signed out, the same browser signs in with the passkey alone.
	delete(b.cookies, middleware.DefaultCookieName)
	rec = b.login(a)
	if rec.Code != http.StatusOK {
		t.Fatalf("login: got %d %s, want 200", rec.Code, rec.Body)
	}
	claims, ok := b.session()
	if !ok || claims.Subject != "user-1" || claims.Payload.Email != "ada@example.com" {
		t.Fatalf("session after passkey login: %+v, %v", claims, ok)
	}
	var body struct {
		Subject  string `json:"subject"`
		Redirect string `json:"redirect"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Subject != "user-1" || body.Redirect != "/" {
		t.Errorf("login answer: %s", rec.Body)
	}
}
