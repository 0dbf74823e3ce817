package main

import (
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"net/http"
	"time"

	"github.com/rs/zerolog/hlog"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

// stepUpAge is how recent a sign-in the settings page needs.
const stepUpAge = 5 * time.Minute

// sessionPages are the pages of the session list and the settings.
type sessionPages struct {
	list     *template.Template
	settings *template.Template
}

// routeSessions adds the session list ("where you are signed in", sign out one or all other
// sessions), the settings page behind a recent sign-in, and their JSON twins. Every POST is
// behind cross-origin protection, like the login and logout handlers.
func (a *app) routeSessions(mux *http.ServeMux) error {
	var err error
	if a.pages.list, err = parsePage("sessions.html"); err != nil {
		return err
	}
	if a.pages.settings, err = parsePage("settings.html"); err != nil {
		return err
	}
	s := a.sessions
	csrf := http.NewCrossOriginProtection()
	post := func(h http.HandlerFunc) http.Handler { return csrf.Handler(s.RequireSession(h)) }
	recent := s.RequireRecentAuth(stepUpAge)

	mux.Handle("GET /sessions", s.RequireSession(http.HandlerFunc(a.sessionsPage)))
	mux.Handle("POST /sessions/end", post(a.endSession))
	mux.Handle("POST /sessions/end-others", post(a.endOthers))
	mux.Handle("GET /settings", recent(http.HandlerFunc(a.settingsPage)))
	mux.Handle("POST /settings", csrf.Handler(recent(http.HandlerFunc(a.saveSettings))))

	mux.Handle("GET /api/sessions", s.RequireSession(http.HandlerFunc(a.apiSessions)))
	mux.Handle("POST /api/sessions/end", post(a.endSession))
	mux.Handle("POST /api/sessions/end-others", post(a.endOthers))
	mux.Handle("POST /api/settings", csrf.Handler(recent(http.HandlerFunc(a.saveSettings))))
	return nil
}

// sessionsView is what sessions.html shows.
type sessionsView struct {
	Title    string
	Profile  Profile
	Sessions []middleware.SessionInfo
	Others   bool   // there is a session other than this one
	Notice   string // the result of the last action
}

// sessionsPage serves GET /sessions: the signed-in user's sessions, this one marked.
func (a *app) sessionsPage(w http.ResponseWriter, r *http.Request) {
	claims, _ := middleware.ClaimsFrom[Profile](r.Context())
	list, err := a.sessions.ListSessions(r)
	if err != nil {
		a.failed(w, r, err)
		return
	}
	v := sessionsView{Title: "Your sessions", Profile: claims.Payload, Sessions: list}
	for _, e := range list {
		v.Others = v.Others || !e.Current
	}
	switch r.URL.Query().Get("done") {
	case "ended":
		v.Notice = "That session is signed out."
	case "others":
		v.Notice = "All other sessions are signed out."
	}
	render(w, r, a.pages.list, http.StatusOK, v)
}

// apiSessions serves GET /api/sessions: {"sessions": [...]}.
func (a *app) apiSessions(w http.ResponseWriter, r *http.Request) {
	list, err := a.sessions.ListSessions(r)
	if err != nil {
		a.failed(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Sessions []middleware.SessionInfo `json:"sessions"`
	}{list})
}

// endSession serves POST /sessions/end (a form with id) and POST /api/sessions/end
// ({"id": "..."}): it signs out one of the user's own sessions.
func (a *app) endSession(w http.ResponseWriter, r *http.Request) {
	api := r.URL.Path == "/api/sessions/end"
	var id string
	if api {
		var body struct {
			ID string `json:"id"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 4<<10)).Decode(&body); err != nil || body.ID == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad_request"})
			return
		}
		id = body.ID
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
		id = r.PostFormValue("id")
	}
	current, _ := middleware.ClaimsFrom[Profile](r.Context())
	err := a.sessions.EndSession(w, r, token.SessionID(id))
	switch {
	case errors.Is(err, middleware.ErrUnknownSession):
		if api {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "not_found"})
		} else {
			http.Error(w, "No such session", http.StatusNotFound)
		}
	case err != nil:
		a.failed(w, r, err)
	case api:
		w.WriteHeader(http.StatusNoContent)
	case current != nil && string(current.SessionID) == id:
		http.Redirect(w, r, "/login", http.StatusSeeOther) // it was this one
	default:
		http.Redirect(w, r, "/sessions?done=ended", http.StatusSeeOther)
	}
}

// endOthers serves POST /sessions/end-others and POST /api/sessions/end-others
// ({"ended": n}): it signs out every session of the user but this one.
func (a *app) endOthers(w http.ResponseWriter, r *http.Request) {
	n, err := a.sessions.EndOtherSessions(r)
	switch {
	case err != nil:
		a.failed(w, r, err)
	case r.URL.Path == "/api/sessions/end-others":
		writeJSON(w, http.StatusOK, map[string]int{"ended": n})
	default:
		http.Redirect(w, r, "/sessions?done=others", http.StatusSeeOther)
	}
}

// settingsView is what settings.html shows.
type settingsView struct {
	Title     string
	Profile   Profile
	SignedIn  time.Time // the latest sign-in, which the page needed to be recent
	StepUpAge time.Duration
	Saved     bool
}

// settingsPage serves GET /settings, behind RequireRecentAuth: a sign-in older than five
// minutes is sent to the login page first.
func (a *app) settingsPage(w http.ResponseWriter, r *http.Request) {
	claims, _ := middleware.ClaimsFrom[Profile](r.Context())
	render(w, r, a.pages.settings, http.StatusOK, settingsView{
		Title: "Settings", Profile: claims.Payload, SignedIn: claims.AuthTime.UTC(),
		StepUpAge: stepUpAge, Saved: r.URL.Query().Get("saved") == "1",
	})
}

// maxNameLen bounds a display name: it travels in every session token.
const maxNameLen = 64

// saveSettings serves POST /settings (a form with name) and POST /api/settings
// ({"name": "..."}): it renames the user and updates the session in place (same session, same
// sign-in time), so that every page shows the new name at once and the older token stops
// working.
func (a *app) saveSettings(w http.ResponseWriter, r *http.Request) {
	api := r.URL.Path == "/api/settings"
	var name string
	if api {
		var body struct {
			Name string `json:"name"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 4<<10)).Decode(&body); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad_request"})
			return
		}
		name = body.Name
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
		name = r.PostFormValue("name")
	}
	if name == "" || len(name) > maxNameLen || !printableName(name) {
		if api {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad_name"})
		} else {
			http.Error(w, "Enter a name of up to 64 characters", http.StatusBadRequest)
		}
		return
	}
	claims, _ := middleware.ClaimsFrom[Profile](r.Context())
	profile := claims.Payload
	profile.Name = name
	if err := a.users.rename(claims.Subject, name); err != nil {
		a.failed(w, r, err)
		return
	}
	if _, err := a.sessions.Update(w, r, profile); err != nil {
		a.failed(w, r, err)
		return
	}
	if api {
		writeJSON(w, http.StatusOK, profile)
		return
	}
	http.Redirect(w, r, "/settings?saved=1", http.StatusSeeOther)
}

// printableName refuses control characters in a display name.
func printableName(s string) bool {
	for _, c := range s {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// failed answers a store failure: operators get the details in the log, users "try again".
func (a *app) failed(w http.ResponseWriter, r *http.Request, err error) {
	hlog.FromRequest(r).Error().Err(err).Str("path", r.URL.Path).Msg("session action failed")
	if acceptsJSON(r) {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "unavailable"})
		return
	}
	http.Error(w, "The service is busy. Try again in a moment.", http.StatusServiceUnavailable)
}

// acceptsJSON reports whether r is an API call rather than a page.
func acceptsJSON(r *http.Request) bool {
	return r.Header.Get("Content-Type") == "application/json" || len(r.URL.Path) > 5 && r.URL.Path[:5] == "/api/"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// rename changes the display name of the user id.
func (s *userStore) rename(id token.Subject, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, u := range s.byEmail {
		if u.id == id {
			u.name = name
			s.byEmail[k] = u
			return nil
		}
	}
	return errors.New("rename: no such user")
}
