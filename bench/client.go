package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// httpClient is shared by every worker: keep-alive connections to loopback.
func newHTTPClient(conns int) *http.Client {
	return &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2,
		IdleConnTimeout: 90 * time.Second}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// browser is one Frontend API client: its own __client cookie.
type browser struct {
	base   string
	hc     *http.Client
	client string // __client cookie value
}

// envelope is the FAPI answer: {response, client}.
type envelope struct {
	Response struct {
		ID               string `json:"id"`
		Status           string `json:"status"`
		CreatedSessionID string `json:"created_session_id"`
	} `json:"response"`
}

func (b *browser) do(ctx context.Context, method, path string, form url.Values, out any) error {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, b.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Origin", b.base)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.client != "" {
		req.AddCookie(&http.Cookie{Name: "__client", Value: b.client})
	}
	res, err := b.hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	for _, c := range res.Cookies() {
		if c.Name == "__client" {
			b.client = c.Value
		}
	}
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != 200 {
		return fmt.Errorf("%s %s: %d %.300s", method, path, res.StatusCode, data)
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// signIn signs in with a password in two requests (create + attempt), as
// clerk-js does, on a fresh client; it returns the session id.
func (b *browser) signIn(ctx context.Context, email, password string) (string, error) {
	b.client = ""
	var e envelope
	if err := b.do(ctx, "POST", "/v1/client/sign_ins", url.Values{"identifier": {email}}, &e); err != nil {
		return "", err
	}
	if err := b.do(ctx, "POST", "/v1/client/sign_ins/"+e.Response.ID+"/attempt_first_factor",
		url.Values{"strategy": {"password"}, "password": {password}}, &e); err != nil {
		return "", err
	}
	if e.Response.Status != "complete" {
		return "", fmt.Errorf("sign-in ended %q", e.Response.Status)
	}
	return e.Response.CreatedSessionID, nil
}

// signUp registers a +clerk_test address (code 424242 in development mode):
// create with password, prepare, attempt.
func (b *browser) signUp(ctx context.Context, email, password string) (string, error) {
	b.client = ""
	var e envelope
	if err := b.do(ctx, "POST", "/v1/client/sign_ups", url.Values{"email_address": {email}, "password": {password}}, &e); err != nil {
		return "", err
	}
	id := e.Response.ID
	if err := b.do(ctx, "POST", "/v1/client/sign_ups/"+id+"/prepare_verification", url.Values{"strategy": {"email_code"}}, nil); err != nil {
		return "", err
	}
	if err := b.do(ctx, "POST", "/v1/client/sign_ups/"+id+"/attempt_verification", url.Values{"strategy": {"email_code"}, "code": {"424242"}}, &e); err != nil {
		return "", err
	}
	if e.Response.Status != "complete" {
		return "", fmt.Errorf("sign-up ended %q", e.Response.Status)
	}
	return e.Response.CreatedSessionID, nil
}

// bapi calls the Backend API with the secret key.
type bapi struct {
	base, sk string
	hc       *http.Client
}

func (a *bapi) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+"/api/v1"+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.sk)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := a.hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != 200 {
		return fmt.Errorf("BAPI %s %s: %d %.300s", method, path, res.StatusCode, data)
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}
