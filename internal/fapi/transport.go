package fapi

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/httpx"
)

// parseForm reads a form-encoded or JSON body (at most 1 MiB) into
// url.Values. JSON values that are not strings are kept as their JSON text.
// A file upload is left unread for its handler (httpx.ReadUpload).
func parseForm(r *http.Request) (url.Values, error) {
	if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodHead || httpx.IsUpload(r) {
		return url.Values{}, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, httpx.MaxBodyBytes+1))
	if err != nil {
		return nil, gatehouse.Malformed("The request body could not be read.")
	}
	if len(body) > httpx.MaxBodyBytes {
		return nil, gatehouse.Err(gatehouse.CodeRequestBodyTooLarge)
	}
	return ParseBody(r.Header.Get("Content-Type"), body)
}

// ParseBody decodes a FAPI request body (exposed for fuzzing). Every name and
// value must be valid text (gatehouse.ValidText): a NUL byte or invalid
// UTF-8, raw or escaped, is a 422 form_param_format_invalid naming the field.
func ParseBody(contentType string, body []byte) (url.Values, error) {
	if len(strings.TrimSpace(string(body))) == 0 {
		return url.Values{}, nil
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "application/json" {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil || m == nil {
			return nil, gatehouse.Malformed("The request body is not a valid JSON object.")
		}
		if err := httpx.CheckJSONText(body); err != nil {
			return nil, err
		}
		out := url.Values{}
		for k, raw := range m {
			var s string
			if json.Unmarshal(raw, &s) == nil {
				out.Set(k, s)
				continue
			}
			var arr []string
			if json.Unmarshal(raw, &arr) == nil {
				out[k] = arr
				continue
			}
			if string(raw) != "null" {
				out.Set(k, string(raw))
			}
		}
		return out, nil
	}
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, gatehouse.Malformed("The request body is not valid form data.")
	}
	if err := httpx.CheckValues(v); err != nil {
		return nil, err
	}
	return v, nil
}

// formString returns a trimmed form value and whether it was present.
func formString(r *http.Request, name string) (string, bool) {
	f := state(r).form
	if _, ok := f[name]; !ok {
		return "", false
	}
	return f.Get(name), true
}

func formPtr(r *http.Request, name string) *string {
	if v, ok := formString(r, name); ok {
		return &v
	}
	return nil
}

func formJSON(r *http.Request, name string) (map[string]any, error) {
	v, ok := formString(r, name)
	if !ok || v == "" {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(v), &m); err != nil || m == nil {
		return nil, gatehouse.ParamInvalid(name, name+" must be a JSON object.")
	}
	if httpx.CheckJSONText([]byte(v)) != nil {
		return nil, gatehouse.TextInvalid(name)
	}
	return m, nil
}

func formBool(r *http.Request, name string) bool {
	v, _ := formString(r, name)
	return v == "true" || v == "1"
}

// allowedOrigin reports whether origin may call the FAPI from a browser:
// this server's own origin or one of the instance's allowed origins (exact
// match on scheme://host[:port]).
func (a *API) allowedOrigin(origin string) bool {
	if origin == "" {
		return false
	}
	if origin == a.PublicURL {
		return true
	}
	for _, o := range a.Instance.Settings().AllowedOrigins {
		if strings.TrimSuffix(o, "/") == origin {
			return true
		}
	}
	return false
}

// cors answers preflights and adds credentialed CORS headers for allowed
// origins. A cross-origin mutation from an origin that is not allowed is
// refused outright (CSRF defence for cookie-authenticated requests).
func (a *API) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		ok := a.allowedOrigin(origin)
		h := w.Header()
		h.Add("Vary", "Origin")
		if ok {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
			h.Set("Access-Control-Expose-Headers", "Authorization, X-Request-Id, "+HeaderDevBrowser)
		}
		if r.Method == http.MethodOptions {
			if ok {
				h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE")
				h.Set("Access-Control-Allow-Headers", "Content-Type, Authorization, X-Requested-With")
				h.Set("Access-Control-Max-Age", "600")
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		mutation := r.Method != http.MethodGet && r.Method != http.MethodHead
		// A browser that names no Origin but says the request is cross-site
		// (Fetch Metadata) is refused too; a request with neither header is
		// not a browser's and carries no victim's SameSite=Lax cookie.
		if mutation && origin == "" && r.Header.Get("Sec-Fetch-Site") == "cross-site" {
			httpx.Error(w, r, gatehouse.Err(gatehouse.CodeOriginInvalid))
			return
		}
		if origin != "" && !ok && mutation {
			httpx.Error(w, r, gatehouse.Err(gatehouse.CodeOriginInvalid).
				Longf("Requests from %.100s are not allowed; add the origin to the instance's allowed origins.", origin))
			return
		}
		next.ServeHTTP(w, r)
	})
}
