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

// CreateSignIn starts a sign-in on client c. With an identifier it moves to
// needs_first_factor; with strategy=password and a password it also attempts
// the password at once, and with strategy=email_code or
// reset_password_email_code it sends the code at once.
func (e *Engine) CreateSignIn(ctx context.Context, c *gatehouse.Client, p SignInParams) (*Result, error) {
	if err := e.noActiveSession(ctx, c); err != nil {
		return nil, err
	}
	now := e.now()
	si := &SignIn{ID: gatehouse.NewID(gatehouse.PrefixSignIn), ClientID: c.ID, Status: NeedsIdentifier, CreatedAt: now, UpdatedAt: now}
	si.Protected = e.settings().EnumerationProtected()
	if ident := strings.TrimSpace(p.Identifier); ident != "" {
		u, err := e.findUser(ctx, ident)
		switch {
		case err == nil:
			si.Identifier, si.UserID, si.Status, si.User = ident, u.ID, NeedsFirstFactor, u
		case si.Protected && isIdentifierNotFound(err):
			e.makePhantom(si, ident)
		default:
			return nil, err
		}
	}
	err := e.st.Tx(ctx, func(q *store.Q) error {
		if err := e.saveAttempt(ctx, q, si.ID, c.ID, "sign_in", si.CreatedAt, si); err != nil {
			return err
		}
		return e.setClientAttempt(ctx, q, c, "sign_in", &si.ID)
	})
	if err != nil {
		return nil, err
	}
	if si.Status == NeedsFirstFactor {
		switch p.Strategy {
		case StrategyPassword, "":
			// clerk-js sends {identifier, password} without a strategy.
			if p.Password != "" {
				return e.AttemptFirstFactor(ctx, c, si.ID, FactorParams{Strategy: StrategyPassword, Password: p.Password})
			}
		case StrategyEmailCode, StrategyResetEmailCode:
			// clerk-js's signIn.create({strategy, identifier}) expects the code sent at once.
			return e.PrepareFirstFactor(ctx, c, si.ID, FactorParams{Strategy: p.Strategy})
		}
	}
	return &Result{SignIn: si}, nil
}

// GetSignIn loads a sign-in of client c.
func (e *Engine) GetSignIn(ctx context.Context, c *gatehouse.Client, id string) (*SignIn, error) {
	var si SignIn
	if err := e.loadAttempt(ctx, e.st.Q(), id, c.ID, "sign_in", &si); err != nil {
		return nil, err
	}
	if si.Phantom {
		si.User = phantomUser(&si)
	} else if si.UserID != "" {
		// Only a deleted account leaves the sign-in without a user (its
		// steps then answer form_identifier_not_found); any other error —
		// a database that cannot answer — propagates, so it becomes a 503,
		// never a claim that a real account does not exist.
		u, err := e.st.Q().GetUser(ctx, si.UserID)
		switch {
		case err == nil:
			si.User = u
		case !errors.Is(err, gatehouse.ErrNotFound):
			return nil, err
		}
	}
	return &si, nil
}

// findUser resolves an identifier: email address, phone number or username.
func (e *Engine) findUser(ctx context.Context, ident string) (*gatehouse.User, error) {
	q := e.st.Q()
	var userID string
	if norm, ok := users.NormalizeEmail(ident); ok && strings.Contains(ident, "@") {
		idn, err := q.FindIdentification(ctx, gatehouse.KindEmail, norm)
		switch {
		case err == nil && idn.VerificationStatus == gatehouse.VerificationVerified:
			userID = idn.UserID
		case err == nil:
			// An unverified address proves nothing: it signs no one in.
		case !errors.Is(err, gatehouse.ErrNotFound):
			return nil, err
		}
	} else if norm, ok := users.NormalizePhone(ident); ok {
		idn, err := q.FindIdentification(ctx, gatehouse.KindPhone, norm)
		if err == nil {
			userID = idn.UserID
		} else if !errors.Is(err, gatehouse.ErrNotFound) {
			return nil, err
		}
	} else if name, gerr := users.NormalizeUsername(ident); gerr == nil {
		id, err := q.FindUserByUsername(ctx, users.UsernameKey(name))
		if err == nil {
			userID = id
		} else if !errors.Is(err, gatehouse.ErrNotFound) {
			return nil, err
		}
	}
	if userID == "" {
		return nil, errIdentifierNotFound()
	}
	u, err := q.GetUser(ctx, userID)
	if errors.Is(err, gatehouse.ErrNotFound) {
		return nil, errIdentifierNotFound()
	}
	return u, err
}

// noActiveSession refuses a new sign-in/sign-up in single-session mode while
// the client already has an active session.
func (e *Engine) noActiveSession(ctx context.Context, c *gatehouse.Client) error {
	if e.settings().MultiSession {
		return nil
	}
	list, err := e.sessions.ClientSessions(ctx, c.ID)
	if err != nil {
		return err
	}
	if len(list) > 0 {
		return errSessionExists()
	}
	return nil
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

// completeSignIn creates the session and marks the attempt complete, in one
// transaction.
func (e *Engine) completeSignIn(ctx context.Context, c *gatehouse.Client, si *SignIn, extra func(q *store.Q) error) (*Result, error) {
	if si.Phantom || si.UserID == "" {
		return nil, errors.New("flow: refusing to complete a sign-in without an account") // unreachable: fail closed
	}
	var tok string
	from := si.Status
	err := e.st.Tx(ctx, func(q *store.Q) error {
		cur, err := q.GetClientForUpdate(ctx, c.ID)
		if err != nil {
			return err
		}
		// An attempt completes exactly once: parallel requests that all
		// verified the factor serialise here (the client row is locked on
		// PostgreSQL; SQLite has one writer), and only the first still finds
		// the attempt in the status it was verified in. The others roll back
		// before a session, webhook or audit event exists.
		var stored SignIn
		if err := e.loadAttempt(ctx, q, si.ID, c.ID, "sign_in", &stored); err != nil {
			return err
		}
		if stored.Status != from {
			return errStatusInvalid(stored.Status)
		}
		if extra != nil {
			if err := extra(q); err != nil {
				return err
			}
		}
		sess, t, err := e.sessions.CreateSession(ctx, q, cur, si.UserID)
		if err != nil {
			return err
		}
		strategy := ""
		if si.FirstFactor != nil {
			strategy = si.FirstFactor.Strategy
		}
		if err := e.audit.In(ctx, q, audit.Event{Type: audit.SignInSucceeded, UserID: si.UserID, SessionID: sess.ID,
			Data: map[string]any{"strategy": strategy}}); err != nil {
			return err
		}
		tok = t
		si.Status, si.CreatedSessionID, si.UpdatedAt = Complete, sess.ID, e.now()
		if err := e.saveAttempt(ctx, q, si.ID, c.ID, "sign_in", si.CreatedAt, si); err != nil {
			return err
		}
		*c = *cur
		return e.setClientAttempt(ctx, q, c, "sign_in", nil)
	})
	if err != nil {
		return nil, err
	}
	if u, err := e.st.Q().GetUser(ctx, si.UserID); err == nil {
		si.User = u
	}
	return &Result{SignIn: si, ClientToken: tok}, nil
}
