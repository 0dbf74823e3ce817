package passkey_test

import (
	"net/http"
	"testing"

	"github.com/keycard-go/keycard/passkey"
	"github.com/keycard-go/keycard/passkey/passkeytest"
)

func TestSignCount(t *testing.T) {
	t.Run("rising counter accepted and stored", func(t *testing.T) {
		f := newFixture(t)
		a := newAuthenticator(t)
		b := f.enrolled(t, a)
		for i := 1; i <= 3; i++ {
			if rec := b.login(a); rec.Code != http.StatusOK {
				t.Fatalf("login %d: %d %s", i, rec.Code, rec.Body)
			}
		}
		creds, _ := f.store.List(t.Context(), "user-1")
		if creds[0].SignCount != 3 || creds[0].LastUsed.IsZero() {
			t.Errorf("stored count %d, last used %v; want 3 and set", creds[0].SignCount, creds[0].LastUsed)
		}
	})
	t.Run("zero counters (synced passkeys) accepted", func(t *testing.T) {
		f := newFixture(t)
		a := newAuthenticator(t, passkeytest.WithZeroCounter(), passkeytest.WithBackup())
		b := f.enrolled(t, a)
		for i := 1; i <= 2; i++ {
			if rec := b.login(a); rec.Code != http.StatusOK {
				t.Fatalf("login %d: %d %s", i, rec.Code, rec.Body)
			}
		}
		creds, _ := f.store.List(t.Context(), "user-1")
		if !creds[0].BackupEligible || !creds[0].BackupState || creds[0].Name != "Synced passkey" {
			t.Errorf("synced passkey stored as %+v", creds[0])
		}
	})
	for _, tt := range []struct {
		name   string
		counts []uint32
	}{
		{"counter went back", []uint32{10, 5}},
		{"counter repeated", []uint32{10, 10}},
		{"counter reset to zero", []uint32{10, 0}},
	} {
		t.Run(tt.name+": refused by default", func(t *testing.T) {
			f := newFixture(t)
			a := newAuthenticator(t)
			b := f.enrolled(t, a)
			if rec := b.login(a, passkeytest.WithSignCount(tt.counts[0])); rec.Code != http.StatusOK {
				t.Fatalf("first login: %d %s", rec.Code, rec.Body)
			}
			b = f.browser(t)
			rec := b.login(a, passkeytest.WithSignCount(tt.counts[1]))
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("got %d %s, want 401", rec.Code, rec.Body)
			}
			if _, ok := b.session(); ok {
				t.Error("a session was started")
			}
			f.wantReason(t, "sign_count_regressed")
			creds, _ := f.store.List(t.Context(), "user-1")
			if creds[0].SignCount != tt.counts[0] {
				t.Errorf("stored count %d, want %d kept", creds[0].SignCount, tt.counts[0])
			}
		})
		t.Run(tt.name+": allowed and reported", func(t *testing.T) {
			f := newFixture(t, passkey.WithSignCountRegressionAllowed())
			a := newAuthenticator(t)
			b := f.enrolled(t, a)
			if rec := b.login(a, passkeytest.WithSignCount(tt.counts[0])); rec.Code != http.StatusOK {
				t.Fatalf("first login: %d %s", rec.Code, rec.Body)
			}
			if rec := b.login(a, passkeytest.WithSignCount(tt.counts[1])); rec.Code != http.StatusOK {
				t.Fatalf("got %d %s, want 200", rec.Code, rec.Body)
			}
			if !contains(f.logs.String(), `"event":"passkey_sign_count_regressed"`) {
				t.Error("the regression was not logged")
			}
			if ev := f.eventsOf(passkey.EventSignCountRegressed); len(ev) != 1 || ev[0].Subject != "user-1" {
				t.Errorf("sign count events: %+v, want one for user-1", ev)
			}
			creds, _ := f.store.List(t.Context(), "user-1")
			if creds[0].SignCount != tt.counts[0] {
				t.Errorf("stored count %d, want %d kept (never lowered)", creds[0].SignCount, tt.counts[0])
			}
		})
	}
}
