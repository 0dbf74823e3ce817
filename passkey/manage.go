package passkey

import (
	"encoding/base64"
	"errors"
	"net/http"
	"time"
)

// passkeyView is one passkey as the list shows it. It carries no key material.
type passkeyView struct {
	ID             string     `json:"id"` // base64url credential ID
	Name           string     `json:"name"`
	Created        time.Time  `json:"created"`
	LastUsed       *time.Time `json:"last_used,omitempty"`
	Transports     []string   `json:"transports"`
	BackupEligible bool       `json:"backup_eligible"` // a synced (multi-device) passkey
	BackedUp       bool       `json:"backed_up"`
}

func viewOf(c Credential) passkeyView {
	v := passkeyView{
		ID: base64.RawURLEncoding.EncodeToString(c.ID), Name: c.Name, Created: c.Created.UTC(),
		Transports: c.Transports, BackupEligible: c.BackupEligible, BackedUp: c.BackupState,
	}
	if v.Transports == nil {
		v.Transports = []string{}
	}
	if !c.LastUsed.IsZero() {
		t := c.LastUsed.UTC()
		v.LastUsed = &t
	}
	return v
}

// listResponse is the JSON of GET {prefix}/credentials. RPID and UserID are what the browser's
// PublicKeyCredential.signalAllAcceptedCredentials needs to forget removed passkeys.
type listResponse struct {
	RPID     string        `json:"rp_id"`
	UserID   string        `json:"user_id,omitempty"` // base64url user handle
	Passkeys []passkeyView `json:"passkeys"`
}

// list serves GET {prefix}/credentials, behind RequireSession.
func (p *Passkeys[T]) list(w http.ResponseWriter, r *http.Request) {
	claims, err := p.sessions.Current(r)
	if err != nil {
		p.fail(w, r, "passkey_list_rejected", reject(http.StatusUnauthorized, "unauthenticated", "no_session", nil))
		return
	}
	creds, err := p.store.List(r.Context(), claims.Subject)
	if err != nil {
		p.fail(w, r, "passkey_list_rejected", reject(http.StatusServiceUnavailable, "unavailable", "store_failed", err))
		return
	}
	resp := listResponse{RPID: p.rp.ID, Passkeys: make([]passkeyView, len(creds))}
	for i, c := range creds {
		resp.Passkeys[i] = viewOf(c)
	}
	if len(creds) > 0 {
		resp.UserID = base64.RawURLEncoding.EncodeToString(creds[0].UserHandle)
	}
	writeJSON(w, http.StatusOK, resp)
}

// rename serves PATCH {prefix}/credentials/{id} with {"name"}, behind RequireSession.
func (p *Passkeys[T]) rename(w http.ResponseWriter, r *http.Request) {
	const event = "passkey_rename_rejected"
	claims, err := p.sessions.Current(r)
	if err != nil {
		p.fail(w, r, event, reject(http.StatusUnauthorized, "unauthenticated", "no_session", nil))
		return
	}
	id, ok := credentialID(r)
	if !ok {
		p.fail(w, r, event, reject(http.StatusNotFound, "not_found", "bad_id", nil))
		return
	}
	body, rj := p.readBody(w, r, false)
	if rj != nil {
		p.fail(w, r, event, rj)
		return
	}
	var req struct {
		Name string `json:"name"`
	}
	if err := strictJSON(body, &req); err != nil {
		p.fail(w, r, event, malformed(err))
		return
	}
	name, ok := cleanName(req.Name)
	if !ok || name == "" {
		p.fail(w, r, event, reject(http.StatusBadRequest, "bad_name", "bad_name", nil))
		return
	}
	switch err := p.store.Rename(r.Context(), claims.Subject, id, name); {
	case errors.Is(err, ErrNotFound):
		p.fail(w, r, event, reject(http.StatusNotFound, "not_found", "not_found", nil))
		return
	case err != nil:
		p.fail(w, r, event, reject(http.StatusServiceUnavailable, "unavailable", "store_failed", err))
		return
	}
	c, err := p.store.Get(r.Context(), id)
	if err != nil {
		p.fail(w, r, event, reject(http.StatusServiceUnavailable, "unavailable", "store_failed", err))
		return
	}
	writeJSON(w, http.StatusOK, viewOf(c))
}

// remove serves DELETE {prefix}/credentials/{id}, behind RequireSession and [WithRecentAuth].
func (p *Passkeys[T]) remove(w http.ResponseWriter, r *http.Request) {
	const event = "passkey_remove_rejected"
	claims, err := p.sessions.Current(r)
	if err != nil {
		p.fail(w, r, event, reject(http.StatusUnauthorized, "unauthenticated", "no_session", nil))
		return
	}
	if !p.recentEnough(w, r, event, claims.AuthTime) {
		return
	}
	id, ok := credentialID(r)
	if !ok {
		p.fail(w, r, event, reject(http.StatusNotFound, "not_found", "bad_id", nil))
		return
	}
	switch err := p.store.Remove(r.Context(), claims.Subject, id); {
	case errors.Is(err, ErrNotFound):
		p.fail(w, r, event, reject(http.StatusNotFound, "not_found", "not_found", nil))
		return
	case err != nil:
		p.fail(w, r, event, reject(http.StatusServiceUnavailable, "unavailable", "store_failed", err))
		return
	}
	p.logger(r).Info().Str("event", "passkey_removed").Str("subject", string(claims.Subject)).Msg("keycard: passkey removed")
	p.emit(r, EventRemoved, claims.Subject, claims.SessionID, "")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// credentialID reads the {id} path segment: a base64url credential ID.
func credentialID(r *http.Request) ([]byte, bool) {
	s := r.PathValue("id")
	if s == "" || len(s) > 2*maxCredentialIDLen {
		return nil, false
	}
	id, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return id, err == nil && len(id) > 0 && len(id) <= maxCredentialIDLen
}
