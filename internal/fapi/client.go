package fapi

import (
	"context"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/flow"
	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/httpx"
)

type envelope struct {
	Response any         `json:"response"`
	Client   *clientJSON `json:"client"`
}

// renderClient builds the client JSON, minting a fresh token for each live
// session so clerk-js can set __session at once. After a flow step it
// renders from what the step returned (the client as written, its sessions
// and their users, the attempt); otherwise it reads them.
func (a *API) renderClient(ctx context.Context, r *http.Request) (*clientJSON, bool, int64, error) {
	st := state(r)
	if st.client == nil {
		return nil, false, 0, nil
	}
	var c *gatehouse.Client
	var sessions []*gatehouse.Session
	users := map[string]*gatehouse.User{}
	known := false
	if v := st.view; v != nil && v.Client.ID == st.client.ID {
		cc := v.Client
		c = &cc
		if v.SessionsKnown {
			sessions, users, known = v.Sessions, v.Users, true
		}
	} else {
		var err error
		if c, err = a.Sessions.GetClient(ctx, st.client.ID); err != nil {
			return nil, false, 0, err
		}
	}
	st.client = c
	now := a.Clock.Now()
	out := &clientJSON{Object: "client", ID: c.ID, Sessions: []sessionJSON{}, LastActiveSessionID: c.LastActiveSessionID,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if !known {
		var err error
		if sessions, users, err = a.Sessions.ClientSessionsWithUsers(ctx, c.ID); err != nil {
			return nil, false, 0, err
		}
	}
	for _, s := range sessions {
		u := users[s.UserID]
		if u == nil {
			var err error
			if u, err = a.Users.Get(ctx, s.UserID); err != nil {
				continue
			}
		}
		jwt, _ := a.Sessions.EnvelopeToken(ctx, s, u, r.Header.Get("Origin"), c.UpdatedAt)
		out.Sessions = append(out.Sessions, a.newSessionJSON(r.Context(), s, u, jwt, now))
	}
	if c.LastActiveSessionID != nil {
		live := false
		for _, s := range sessions {
			live = live || s.ID == *c.LastActiveSessionID
		}
		if !live {
			out.LastActiveSessionID = nil
		}
	}
	if c.SignInID != nil {
		if st.signIn != nil && st.signIn.ID == *c.SignInID {
			out.SignIn = a.newSignInJSON(r.Context(), st.signIn)
		} else if si, err := a.Flow.GetSignIn(ctx, c, *c.SignInID); err == nil {
			out.SignIn = a.newSignInJSON(r.Context(), si)
		}
	}
	if c.SignUpID != nil {
		if st.signUp != nil && st.signUp.ID == *c.SignUpID {
			out.SignUp = newSignUpJSON(st.signUp)
		} else if su, err := a.Flow.GetSignUp(ctx, c, *c.SignUpID); err == nil {
			out.SignUp = newSignUpJSON(su)
		}
	}
	return out, len(out.Sessions) > 0, c.UpdatedAt, nil
}

// respond writes Clerk's {response, client} envelope and the cookies.
func (a *API) respond(w http.ResponseWriter, r *http.Request, status int, response any) error {
	if err := a.rotateDevBrowser(w, r); err != nil {
		return err
	}
	cj, signedIn, uat, err := a.renderClient(r.Context(), r)
	if err != nil {
		return err
	}
	a.writeCookies(w, r, signedIn, uat)
	httpx.JSON(w, status, envelope{Response: response, Client: cj})
	return nil
}

func (a *API) getClient(w http.ResponseWriter, r *http.Request) error {
	if st := state(r); st.client != nil && st.view == nil {
		// Loaded from its token by this request: render it without a re-read.
		st.view = &flow.ClientView{Client: *st.client}
	}
	cj, signedIn, uat, err := a.renderClient(r.Context(), r)
	if err != nil {
		return err
	}
	a.writeCookies(w, r, signedIn, uat)
	var resp any
	if cj != nil {
		resp = cj
	}
	httpx.JSON(w, http.StatusOK, envelope{Response: resp, Client: cj})
	return nil
}

func (a *API) createClient(w http.ResponseWriter, r *http.Request) error {
	if _, err := a.ensureClient(r); err != nil {
		return err
	}
	cj, signedIn, uat, err := a.renderClient(r.Context(), r)
	if err != nil {
		return err
	}
	a.writeCookies(w, r, signedIn, uat)
	httpx.JSON(w, http.StatusOK, envelope{Response: cj, Client: cj})
	return nil
}

// deleteClient signs the browser out of everything and forgets the client.
func (a *API) deleteClient(w http.ResponseWriter, r *http.Request) error {
	c, err := requireClient(r)
	if err != nil {
		return err
	}
	if err := a.Sessions.EndClientSessions(r.Context(), c); err != nil {
		return err
	}
	if err := a.Sessions.UnbindDevBrowsers(r.Context(), c.ID); err != nil {
		return err
	}
	a.clearClient(w, r)
	httpx.JSON(w, http.StatusOK, envelope{Response: map[string]any{"object": "client", "id": c.ID, "deleted": true}})
	return nil
}

// session returns the request's client and the session the request acts for:
// _clerk_session_id when given (it must be live and on this client), else
// the client's last active session.
func (a *API) currentSession(r *http.Request) (*gatehouse.Client, *gatehouse.Session, error) {
	c, err := requireClient(r)
	if err != nil {
		return nil, nil, err
	}
	sessions, err := a.Sessions.ClientSessions(r.Context(), c.ID)
	if err != nil {
		return nil, nil, err
	}
	want := r.URL.Query().Get("_clerk_session_id")
	if want == "" && c.LastActiveSessionID != nil {
		want = *c.LastActiveSessionID
	}
	for _, s := range sessions {
		if s.ID == want || (want == "" && len(sessions) == 1) {
			return c, s, nil
		}
	}
	return nil, nil, gatehouse.Err(gatehouse.CodeSignedOut)
}
