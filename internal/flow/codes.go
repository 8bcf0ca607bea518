package flow

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"math/big"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/mail"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/users"
	"github.com/gatehouse/gatehouse/internal/webhook"
)

func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// codeHash binds a code to the attempt (or identification) that owns it.
func codeHash(owner, code string) []byte {
	h := sha256.Sum256([]byte(owner + ":" + code))
	return h[:]
}

// issueCode stores a fresh code for owner/purpose (voiding earlier ones) and
// mails it to address. +clerk_test addresses in development get 424242 and
// no mail.
//
// userID and emailID ("" when none yet) describe the recipient in the
// email.created event.
func (e *Engine) issueCode(ctx context.Context, owner, purpose, target, address, userID, emailID string) (int64, error) {
	c, err := e.newCodeFor(ctx, owner, purpose, target, address)
	if err != nil {
		return 0, err
	}
	if err := e.st.Tx(ctx, func(q *store.Q) error { return e.storeCode(ctx, q, c, userID, emailID) }); err != nil {
		return 0, err
	}
	return c.row.ExpireAt, e.mailCode(ctx, c)
}

// codeToSend is a fresh one-time code: the row to store (hash only), the
// code for the mail, and whether it is the development test code (no mail).
type codeToSend struct {
	row              *store.CodeRow
	code             string
	test             bool
	purpose, address string
}

// newCodeFor asks MailGate and draws a code for owner/purpose, to be sent
// to address; it writes nothing.
func (e *Engine) newCodeFor(ctx context.Context, owner, purpose, target, address string) (*codeToSend, error) {
	if err := e.gateMail(ctx, address); err != nil {
		return nil, err
	}
	code, err := newCode()
	if err != nil {
		return nil, err
	}
	test := e.dev && isTestEmail(address)
	if test {
		code = TestCode
	}
	now := e.clock.Now()
	row := &store.CodeRow{ID: gatehouse.NewID("code_"), OwnerID: owner, Purpose: purpose, Target: target,
		CodeHash: codeHash(owner, code), MaxAttempts: CodeMaxAttempts, ExpireAt: now.Add(CodeLifetime).UnixMilli(), CreatedAt: now.UnixMilli()}
	return &codeToSend{row: row, code: code, test: test, purpose: purpose, address: address}, nil
}

// storeCode stores c (voiding earlier codes of its owner and purpose) and
// records email.created, inside q.
func (e *Engine) storeCode(ctx context.Context, q *store.Q, c *codeToSend, userID, emailID string) error {
	if err := q.InsertCode(ctx, c.row); err != nil {
		return err
	}
	return e.emitEmail(ctx, q, c.purpose, c.address, c.code, userID, emailID)
}

// mailCode delivers c (not the test code); call it after the commit.
func (e *Engine) mailCode(ctx context.Context, c *codeToSend) error {
	if c.test {
		return nil
	}
	if err := e.mailer.SendCode(ctx, c.address, c.purpose, c.code); err != nil {
		return fmt.Errorf("send %s mail: %w", c.purpose, err)
	}
	return nil
}

// gateMail asks MailGate whether a code may be mailed to address, keyed by
// the address's normal form so that spellings of one address share a count.
func (e *Engine) gateMail(ctx context.Context, address string) error {
	if e.mailGate == nil {
		return nil
	}
	if n, ok := users.NormalizeEmail(address); ok {
		address = n
	}
	return e.mailGate(ctx, address)
}

// emitEmail records email.created with the rendered message.
func (e *Engine) emitEmail(ctx context.Context, q *store.Q, purpose, to, code, userID, emailID string) error {
	if e.events == nil {
		return nil
	}
	name := e.settings().ApplicationName
	if name == "" {
		name = "Gatehouse"
	}
	m, err := mail.Render(purpose, mail.Data{AppName: name, Code: code, ExpiresInMinutes: int(CodeLifetime.Minutes())})
	if err != nil {
		return err
	}
	ev := webhook.Email{Object: "email", ID: gatehouse.NewID("ema_"), Slug: purpose, FromEmailName: "notifications",
		ToEmailAddress: to, Subject: m.Subject, Body: m.HTML, BodyPlain: m.Text, Status: "queued", DeliveredByGH: true,
		Data: map[string]any{"otp_code": code, "app": map[string]any{"name": name}}}
	if userID != "" {
		ev.UserID = &userID
	}
	if emailID != "" {
		ev.EmailAddressID = &emailID
	}
	return e.events.Emit(ctx, q, gatehouse.EventEmailCreated, ev)
}

// errWrongCode is returned by redeemCode for a well-formed wrong code (the
// caller counts it toward lockout).
var errWrongCode = errors.New("wrong code")

// redeemCode checks code against the newest code of owner/purpose. It spends
// an attempt first and consumes the code on success, each as one conditional
// update, so a code works exactly once even under parallel attempts. guard
// (optional) runs in the transaction that spends the attempt, before the code
// is compared; an error from it refuses the guess unevaluated and spends
// nothing.
func (e *Engine) redeemCode(ctx context.Context, owner, purpose, code string, guard func(q *store.Q) error) (*store.CodeRow, error) {
	row, err := e.st.Q().LatestCode(ctx, owner, purpose)
	if errors.Is(err, gatehouse.ErrNotFound) {
		return nil, errVerificationMissing()
	}
	if err != nil {
		return nil, err
	}
	now := e.now()
	switch {
	case row.ConsumedAt != nil:
		return nil, errCodeUsed()
	case row.ExpireAt <= now:
		return nil, errVerificationExpired()
	case row.Attempts >= row.MaxAttempts:
		return nil, errTooManyAttempts()
	}
	var spent bool
	if err := e.st.Tx(ctx, func(q *store.Q) error {
		var err error
		spent, err = q.CountCodeAttempt(ctx, row.ID, now)
		if err != nil || !spent || guard == nil {
			return err
		}
		return guard(q)
	}); err != nil {
		return nil, err
	}
	if !spent {
		return nil, errTooManyAttempts()
	}
	if len(code) != 6 || subtle.ConstantTimeCompare(codeHash(owner, code), row.CodeHash) != 1 {
		return row, errWrongCode
	}
	var won bool
	if err := e.st.Tx(ctx, func(q *store.Q) error {
		var err error
		won, err = q.ConsumeCode(ctx, row.ID, e.now())
		return err
	}); err != nil {
		return nil, err
	}
	if !won {
		return nil, errCodeUsed()
	}
	return row, nil
}
