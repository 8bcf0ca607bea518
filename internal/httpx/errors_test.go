package httpx_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/httpx"
)

// A storage outage, however wrapped, is a 503 service_unavailable, never a
// 500: the error writer recognises the domain's ErrUnavailable, not a
// driver's error type.
func TestErrorUnavailableIs503(t *testing.T) {
	for _, err := range []error{
		fmt.Errorf("load client: %w", gatehouse.ErrUnavailable),
		errors.Join(errors.New("dial tcp: connection refused"), gatehouse.ErrUnavailable),
	} {
		w := httptest.NewRecorder()
		httpx.Error(w, httptest.NewRequest(http.MethodGet, "/v1/client", nil), err)
		var body httpx.ErrorBody
		if e := json.Unmarshal(w.Body.Bytes(), &body); e != nil || w.Code != http.StatusServiceUnavailable ||
			len(body.Errors) != 1 || body.Errors[0].Code != string(gatehouse.CodeServiceUnavailable) {
			t.Errorf("%v: %d %s", err, w.Code, w.Body)
		}
	}
	w := httptest.NewRecorder()
	httpx.Error(w, httptest.NewRequest(http.MethodGet, "/v1/client", nil), errors.New("a bug"))
	if w.Code != http.StatusInternalServerError {
		t.Errorf("an unexpected error: %d, want 500", w.Code)
	}
}
