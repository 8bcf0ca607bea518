package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// MaxBodyBytes bounds every request body.
const MaxBodyBytes = 1 << 20

// JSON writes v with Content-Type exactly "application/json": the JS SDK
// parses nothing else as JSON.
func JSON(w http.ResponseWriter, status int, v any) {
	buf, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"errors":[{"code":"internal_clerk_error","message":"Internal error","long_message":"encoding failed","meta":{}}]}`, http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	// A known length: the body goes out in one piece, not chunked.
	h.Set("Content-Length", strconv.Itoa(len(buf)))
	w.WriteHeader(status)
	_, _ = w.Write(buf)
}

// RawJSON writes an already-encoded JSON body with the given Cache-Control.
func RawJSON(w http.ResponseWriter, body []byte, cacheControl string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", cacheControl)
	_, _ = w.Write(body)
}

// Decode reads a JSON object body into dst strictly: unknown fields, wrong
// types, trailing data, bodies over MaxBodyBytes and non-JSON content types
// give Clerk-shaped 4xx errors. An empty body decodes as {}; strings that are
// not valid text (NUL, invalid UTF-8) are refused with the member's name.
func Decode(r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return gatehouse.Err(gatehouse.CodeUnsupportedContentType)
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return gatehouse.Malformed("The request body could not be read.")
	}
	if len(body) > MaxBodyBytes {
		return gatehouse.Err(gatehouse.CodeRequestBodyTooLarge)
	}
	return DecodeBytes(body, dst)
}

// DecodeBytes is Decode's parser, exposed for fuzzing. The body must be one
// JSON object (null, arrays and scalars are refused) and every string in it
// must be valid text (CheckJSONText): no NUL, no invalid UTF-8, no lone
// surrogate escapes.
func DecodeBytes(body []byte, dst any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		body, trimmed = []byte("{}"), []byte("{}")
	}
	if trimmed[0] != '{' {
		return gatehouse.Malformed("The request body must be a JSON object.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if dec.More() {
		return gatehouse.Malformed("The request body must contain a single JSON object.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return gatehouse.Malformed("The request body must contain a single JSON object.")
	}
	return CheckJSONText(body)
}

func decodeError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			return gatehouse.Malformed("The request body must be a JSON object.")
		}
		return gatehouse.ParamInvalid(field, field+" must be of type "+jsonKind(te.Type.Kind().String())+".")
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return gatehouse.Malformed("The request body is not valid JSON.")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return gatehouse.ParamUnknown(name)
	}
	var ge *gatehouse.Error
	if errors.As(err, &ge) {
		return ge
	}
	return gatehouse.Malformed("The request body is not valid JSON: " + err.Error())
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "map", "struct":
		return "object"
	case "slice", "array":
		return "array"
	default:
		if strings.HasPrefix(k, "int") || strings.HasPrefix(k, "uint") || strings.HasPrefix(k, "float") {
			return "number"
		}
		return k
	}
}
