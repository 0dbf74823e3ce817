package totp

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
)

// maxBody bounds a request body: a code and a redirect target.
const maxBody = 4 << 10

// codeRequest is a parsed request of the handlers: a code and an optional redirect target.
type codeRequest struct {
	code string
	next string
	json bool
}

// readRequest reads a form or JSON body with the fields "code" and "next". It returns a
// non-zero status for a request that is not well-formed: 415 for another content type, 413 for
// a body over 4 KiB, 400 for anything malformed, a repeated field or a field that is not a
// string. needCode says whether "code" is required.
func readRequest(w http.ResponseWriter, r *http.Request, needCode bool) (codeRequest, int) {
	req := codeRequest{next: r.URL.Query().Get("next")}
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil && needCode {
		req.json = !acceptsHTML(r)
		return req, http.StatusUnsupportedMediaType
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	fields := map[string]string{}
	switch mediaType {
	case "application/x-www-form-urlencoded":
		err = readForm(r, fields)
	case "application/json":
		req.json = true
		if err = readJSON(r.Body, fields); err == io.EOF && !needCode {
			err = nil // an empty body: nothing to say
		}
	case "":
		req.json = !acceptsHTML(r)
		if needCode {
			return req, http.StatusUnsupportedMediaType
		}
	default:
		req.json = !acceptsHTML(r)
		return req, http.StatusUnsupportedMediaType
	}
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return req, http.StatusRequestEntityTooLarge
	case err != nil:
		return req, http.StatusBadRequest
	}
	if next, ok := fields["next"]; ok {
		req.next = next
	}
	req.code = fields["code"]
	if needCode && req.code == "" {
		return req, http.StatusBadRequest
	}
	return req, 0
}

func readForm(r *http.Request, fields map[string]string) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	for k, v := range r.PostForm {
		if len(v) != 1 {
			return errors.New("field repeated")
		}
		fields[k] = v[0]
	}
	return nil
}

// readJSON reads one JSON object of string fields, refusing repeated names (a proxy in front
// may read the first where encoding/json keeps the last) and trailing data.
func readJSON(body io.Reader, fields map[string]string) error {
	dec := json.NewDecoder(body)
	if tok, err := dec.Token(); err != nil {
		return err
	} else if tok != json.Delim('{') {
		return errors.New("not a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		if _, dup := fields[name]; dup {
			return errors.New("field repeated")
		}
		var v string
		if err := dec.Decode(&v); err != nil {
			return err
		}
		fields[name] = v
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data")
	}
	return nil
}

func acceptsHTML(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		if strings.Contains(v, "text/html") {
			return true
		}
	}
	return false
}
