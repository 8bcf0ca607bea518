package httpx

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// IsUpload reports whether r carries a file upload (multipart/form-data or
// application/octet-stream) rather than form or JSON fields; such bodies
// are left for the handler to read with ReadUpload.
func IsUpload(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "multipart/form-data" || mt == "application/octet-stream"
}

// uploadOverhead is what a multipart body may add around the file (part
// headers, boundaries, a few small fields).
const uploadOverhead = 64 << 10

// ReadUpload reads an uploaded file of at most limit bytes: the part named
// field of a multipart/form-data body, or the whole body of an
// application/octet-stream request, which Clerk's API (and clerk-js when
// given a string) sends base64-encoded, optionally as a data: URL; a body
// that is not base64 is taken as the file itself. Other parts are skipped. It streams: nothing beyond limit (plus a
// little multipart overhead) is read or buffered, and nothing touches disk.
func ReadUpload(r *http.Request, field string, limit int64) ([]byte, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	tooLarge := gatehouse.Err(gatehouse.CodeRequestBodyTooLarge).Longf("The uploaded file must be at most %d bytes.", limit)
	body := io.LimitReader(r.Body, limit*2+uploadOverhead) // base64 is 4/3 of the bytes
	switch {
	case err != nil:
	case mt == "application/octet-stream":
		b, err := io.ReadAll(io.LimitReader(body, limit*2+1))
		if err != nil {
			return nil, gatehouse.Malformed("The request body could not be read.")
		}
		if b = decodeBase64(b); int64(len(b)) > limit {
			return nil, tooLarge
		}
		return b, nil
	case mt == "multipart/form-data" && params["boundary"] != "":
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil, gatehouse.ParamMissing(field)
			}
			if err != nil {
				return nil, gatehouse.Malformed("The multipart body could not be read.")
			}
			if p.FormName() != field {
				continue
			}
			b, err := io.ReadAll(io.LimitReader(p, limit+1))
			if err != nil {
				return nil, gatehouse.Malformed("The uploaded file could not be read.")
			}
			if int64(len(b)) > limit {
				return nil, tooLarge
			}
			return b, nil
		}
	}
	return nil, gatehouse.Err(gatehouse.CodeUnsupportedContentType).
		Long("Upload the file as multipart/form-data (field " + field + ") or application/octet-stream.")
}

func decodeBase64(body []byte) []byte {
	s := bytes.TrimSpace(body)
	if rest, ok := bytes.CutPrefix(s, []byte("data:")); ok {
		if _, payload, ok := bytes.Cut(rest, []byte(";base64,")); ok {
			s = payload
		}
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
	if n, err := base64.StdEncoding.Decode(out, s); err == nil {
		return out[:n]
	}
	return body
}
