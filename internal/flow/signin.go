package flow

import (
	"context"
	"errors"
	"github.com/gatehouse/gatehouse/internal/audit"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/users"
)

// Sign-in statuses.
const (
	NeedsIdentifier   = "needs_identifier"
	NeedsFirstFactor  = "needs_first_factor"
	NeedsSecondFactor = "needs_second_factor"
	NeedsNewPassword  = "needs_new_password"
	Complete          = "complete"
)

// Strategies.
const (
	StrategyPassword       = "password"
	StrategyEmailCode      = "email_code"
	StrategyResetEmailCode = "reset_password_email_code"
)

// SignIn is a sign-in attempt's state.
type SignIn struct {
	ID               string          `json:"id"`
	ClientID         string          `json:"client_id"`
	Status           string          `json:"status"`
	Identifier       string          `json:"identifier,omitempty"`
	UserID           string          `json:"user_id,omitempty"`
	FirstFactor      *Verification   `json:"first_factor,omitempty"`
	CreatedSessionID string          `json:"created_session_id,omitempty"`
	CreatedAt        int64           `json:"created_at"`
	UpdatedAt        int64           `json:"updated_at"`
	User             *gatehouse.User `json:"-"` // loaded for presentation
	// Protected: created under enumeration protection, so it is presented
	// the same whether or not the identifier belongs to an account.
	Protected bool `json:"protected,omitempty"`
	// Phantom: the identifier belongs to no account; every factor fails,
	// after the same work a real attempt costs (see enumeration.go).
	Phantom        bool   `json:"phantom,omitempty"`
	PhantomEmailID string `json:"phantom_email_id,omitempty"`
}

// SignInParams are the inputs of CreateSignIn.
type SignInParams struct {
	Identifier string
	Strategy   string
	Password   string
}

// CreateSignIn starts a sign-in on client c, or, with c nil (a browser
// without a client), on a client it creates in the same transaction. With
// an identifier it moves to needs_first_factor; with strategy=password and
// a password it also attempts the password at once, and with
// strategy=email_code or reset_password_email_code it sends the code at
// once — each still one load, one decision and one write.
func (e *Engine) CreateSignIn(ctx context.Context, c *gatehouse.Client, p SignInParams) (*Result, error) {
	st := &signInStep{client: c, sessionsKnown: c == nil}
	if c != nil {
		list, err := e.noActiveSession(ctx, c)
		if err != nil {
			return nil, err
		}
		st.sessions, st.sessionsKnown = list, list != nil
	}
	now := e.now()
	si := &SignIn{ID: gatehouse.NewID(gatehouse.PrefixSignIn), Status: NeedsIdentifier, CreatedAt: now, UpdatedAt: now}
	if c != nil {
		si.ClientID = c.ID
	}
	si.Protected = e.settings().EnumerationProtected()
	if ident := strings.TrimSpace(p.Identifier); ident != "" {
		u, err := e.findUser(ctx, ident)
		switch {
		case err == nil:
			si.Identifier, si.UserID, si.Status, si.User = ident, u.ID, NeedsFirstFactor, u
			st.user = u
		case si.Protected && isIdentifierNotFound(err):
			e.makePhantom(si, ident)
		default:
			return nil, err
		}
	}
	st.si = si
	if c == nil {
		// The client is created in the save; its id is known now.
		nc, tok, err := e.sessions.BuildClient()
		if err != nil {
			return nil, err
		}
		st.newClient, st.newToken = nc, tok
		si.ClientID = nc.ID
	}
	if si.Status == NeedsFirstFactor {
		switch p.Strategy {
		case StrategyPassword, "":
			// clerk-js sends {identifier, password} without a strategy.
			if p.Password != "" {
				return e.attemptPassword(ctx, st, p.Password)
			}
		case StrategyEmailCode, StrategyResetEmailCode:
			// clerk-js's signIn.create({strategy, identifier}) expects the code sent at once.
			return e.prepareFirstFactor(ctx, st, FactorParams{Strategy: p.Strategy})
		}
	}
	return e.saveSignIn(ctx, st, Decision{SignIn: si})
}

// GetSignIn loads a sign-in of client c.
func (e *Engine) GetSignIn(ctx context.Context, c *gatehouse.Client, id string) (*SignIn, error) {
	si, _, err := e.getSignIn(ctx, c, id)
	return si, err
}

// signInUserKey is the JSON key of SignIn.UserID in a stored sign-in: the
// load joins the attempt with the user it names.
const signInUserKey = "user_id"

// getSignIn loads a sign-in of client c with its user, and its stored
// state: one statement for the attempt, its user and the user's
// identifications.
func (e *Engine) getSignIn(ctx context.Context, c *gatehouse.Client, id string) (*SignIn, []byte, error) {
	var si SignIn
	// Only a deleted account leaves the sign-in without a user (its steps
	// then answer form_identifier_not_found); any other error — a database
	// that cannot answer — propagates, so it becomes a 503, never a claim
	// that a real account does not exist.
	row, u, err := e.st.Q().GetAttemptWithUser(ctx, id, c.ID, "sign_in", signInUserKey)
	state, err := e.attemptState(row, err, "sign_in", &si)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case si.Phantom:
		si.User = phantomUser(&si)
	case si.UserID != "" && u != nil && u.ID == si.UserID:
		si.User = u
	}
	return &si, state, nil
}

// findUser resolves an identifier: email address, phone number or username.
func (e *Engine) findUser(ctx context.Context, ident string) (*gatehouse.User, error) {
	q := e.st.Q()
	var u *gatehouse.User
	var err error
	if norm, ok := users.NormalizeEmail(ident); ok && strings.Contains(ident, "@") {
		var status string
		u, status, err = q.UserByIdentification(ctx, gatehouse.KindEmail, norm)
		if err == nil && status != gatehouse.VerificationVerified {
			u = nil // an unverified address proves nothing: it signs no one in
		}
	} else if norm, ok := users.NormalizePhone(ident); ok {
		u, _, err = q.UserByIdentification(ctx, gatehouse.KindPhone, norm)
	} else if name, gerr := users.NormalizeUsername(ident); gerr == nil {
		var id string
		if id, err = q.FindUserByUsername(ctx, users.UsernameKey(name)); err == nil {
			u, err = q.GetUser(ctx, id)
		}
	}
	switch {
	case errors.Is(err, gatehouse.ErrNotFound), err == nil && u == nil:
		return nil, errIdentifierNotFound()
	case err != nil:
		return nil, err
	}
	return u, nil
}

// noActiveSession refuses a new sign-in/sign-up in single-session mode while
// the client already has an active session. It returns the client's live
// sessions when it looked them up (an empty list: none), else nil.
func (e *Engine) noActiveSession(ctx context.Context, c *gatehouse.Client) ([]*gatehouse.Session, error) {
	if e.settings().MultiSession {
		return nil, nil
	}
	list, err := e.sessions.ClientSessions(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	if len(list) > 0 {
		return nil, errSessionExists()
	}
	return list, nil
}

// checkUsable refuses banned and locked users.
func (e *Engine) checkUsable(u *gatehouse.User) error {
	if u.Banned {
		return errBanned()
	}
	if locked, secs := users.IsLocked(u, e.clock.Now()); locked {
		return errLocked(secs)
	}
	return nil
}

// recordFailure counts a failed factor toward the account lockout.
func (e *Engine) recordFailure(ctx context.Context, userID, strategy string) error {
	attempts, secs := e.settings().Lockout()
	until := e.clock.Now().Add(time.Duration(secs) * time.Second).UnixMilli()
	var locked bool
	err := e.st.Tx(ctx, func(q *store.Q) error {
		n, l, err := q.RecordFailedAttempt(ctx, userID, attempts, until)
		if err != nil {
			return err
		}
		locked = l
		if err := e.audit.In(ctx, q, audit.Event{Type: audit.SignInFailed, UserID: userID,
			Data: map[string]any{"strategy": strategy, "failed_attempts": n}}); err != nil {
			return err
		}
		if n == attempts {
			return e.audit.In(ctx, q, audit.Event{Type: audit.UserLocked, UserID: userID,
				Data: map[string]any{"reason": "failed_attempts", "lockout_seconds": secs}})
		}
		return nil
	})
	if err != nil {
		return err
	}
	if locked {
		s := int64(secs)
		return errLocked(&s)
	}
	return nil
}
