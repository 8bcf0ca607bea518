// Package flow implements Clerk's sign-in and sign-up state machines, their
// one-time codes and password reset. It knows nothing of HTTP: the Frontend
// API and the hosted pages are two presentations of this one engine. Every
// failure is a *gatehouse.Error carrying the Clerk code a UI can show.
package flow

import (
	"context"
	"crypto/rand"
	"github.com/gatehouse/gatehouse/internal/audit"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/session"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/users"
)

// Code purposes, which are also the mail kinds.
const (
	PurposeSignIn      = "sign_in_code"
	PurposeVerifyEmail = "verification_code"
	PurposeReset       = "reset_password_code"
)

// Code policy.
const (
	CodeLifetime    = 10 * time.Minute
	CodeMaxAttempts = 5
	AttemptLifetime = 24 * time.Hour
	// TestCode is accepted for +clerk_test addresses in development mode.
	TestCode = "424242"
)

// Mailer delivers a one-time code.
type Mailer interface {
	SendCode(ctx context.Context, to, purpose, code string) error
}

// Engine runs the flows.
type Engine struct {
	mailGate func(ctx context.Context, address string) error
	st       *store.Store
	users    *users.Service
	sessions *session.Service
	clock    gatehouse.Clock
	mailer   Mailer
	dev      bool
	settings func() gatehouse.Settings
	events   store.Emitter
	audit    *audit.Log
	// phantomKey keys the stand-in ids of phantom sign-ins; instanceSince
	// (Unix seconds) is the earliest time those ids claim (enumeration.go).
	phantomKey    []byte
	instanceSince int64
}

// Options configure New.
type Options struct {
	Store    *store.Store
	Users    *users.Service
	Sessions *session.Service
	Clock    gatehouse.Clock
	Mailer   Mailer
	Dev      bool // accept +clerk_test addresses with code 424242
	Settings func() gatehouse.Settings
	// Events receives email.created for every code e-mail (apps can send
	// mail themselves from the webhook).
	Events store.Emitter
	// Audit records sign-ins, failures, lockouts and resets (nil: none).
	Audit *audit.Log
	// PhantomKey (32 bytes, secret, the same on every node and across
	// restarts) keys the ids enumeration protection shows for identifiers
	// without an account. Empty: a random key per process, so those ids
	// change on restart and differ between nodes.
	PhantomKey []byte
	// InstanceCreatedAt (Unix ms) bounds the creation times phantom ids
	// claim. Zero: the time New is called.
	InstanceCreatedAt int64
	// MailGate, when set, is asked before every code e-mail — real or
	// phantom alike — with the normalised recipient address; an error
	// (429 too_many_requests) refuses the request and sends nothing.
	MailGate func(ctx context.Context, address string) error
}

// New returns an Engine.
func New(o Options) *Engine {
	e := &Engine{st: o.Store, users: o.Users, sessions: o.Sessions, clock: o.Clock, mailer: o.Mailer, dev: o.Dev,
		settings: o.Settings, mailGate: o.MailGate, events: o.Events, audit: o.Audit, phantomKey: o.PhantomKey, instanceSince: o.InstanceCreatedAt / 1000}
	if len(e.phantomKey) == 0 {
		e.phantomKey = make([]byte, 32)
		if _, err := rand.Read(e.phantomKey); err != nil {
			panic("flow: crypto/rand failed: " + err.Error())
		}
	}
	if e.instanceSince == 0 {
		e.instanceSince = o.Clock.Now().Unix()
	}
	return e
}

func (e *Engine) now() int64 { return e.clock.Now().UnixMilli() }

// Verification is the state of one factor or identification check.
type Verification struct {
	Strategy string `json:"strategy"`
	Status   string `json:"status"` // unverified, verified, failed, expired
	Attempts int    `json:"attempts"`
	ExpireAt *int64 `json:"expire_at,omitempty"`
	// Target is the identification id (sign-in) or address (sign-up) the code went to.
	Target string `json:"target,omitempty"`
}

// Result is what a flow step returns to its presentation: the attempt and,
// when the step created the client or a session, the client's new token
// (the cookie to set), and the client as the step left it.
//
// A step that creates the client (a browser without one) can fail after
// saving it — a wrong password still stores the new client and its
// attempt — and then returns both a Result and the error, so that the
// browser still gets its cookie.
type Result struct {
	SignIn      *SignIn
	SignUp      *SignUp
	ClientToken string
	// NewClient: the step created the client (ClientToken is its first token).
	NewClient bool
	// Client is the client as written, for rendering without a re-read.
	Client *ClientView
}

// ClientView is what a step knows about its client after saving.
type ClientView struct {
	Client gatehouse.Client
	// Sessions are the client's live sessions, newest first, and Users
	// their users (with identifications) by id — valid when SessionsKnown;
	// otherwise the presentation loads them.
	Sessions      []*gatehouse.Session
	Users         map[string]*gatehouse.User
	SessionsKnown bool
}

func isTestEmail(addr string) bool { return strings.Contains(strings.ToLower(addr), "+clerk_test") }

// Error helpers ------------------------------------------------------------
// Statuses and default messages come from the catalogue (gatehouse/codes.go).

func errIdentifierNotFound() error {
	return gatehouse.Err(gatehouse.CodeIdentifierNotFound).Param("identifier")
}

func errPasswordIncorrect() error {
	return gatehouse.Err(gatehouse.CodePasswordIncorrect).Param("password")
}

func errCodeIncorrect() error {
	return gatehouse.Err(gatehouse.CodeFormCodeIncorrect).Param("code")
}

func errVerificationExpired() error {
	return gatehouse.Err(gatehouse.CodeVerificationExpired).Param("code")
}

func errTooManyAttempts() error {
	return gatehouse.Err(gatehouse.CodeVerificationFailed).Param("code")
}

// errVerificationMissing refuses a code attempt before any code was sent.
func errVerificationMissing() error {
	return gatehouse.Err(gatehouse.CodeVerificationMissing).Param("code")
}

// errCodeUsed refuses a code that was already redeemed.
func errCodeUsed() error {
	return gatehouse.Err(gatehouse.CodeVerificationAlreadyVerified).Param("code")
}

// errEmailVerified refuses to verify an address that already is; param is
// the field the request named it by.
func errEmailVerified(param string) error {
	return gatehouse.Err(gatehouse.CodeVerificationAlreadyVerified).Text("This email address is already verified.").Param(param)
}

func errStrategy(strategy string) error {
	return gatehouse.Err(gatehouse.CodeStrategyForUserInvalid).
		Text("The verification strategy '" + strategy + "' is not valid for this account.").Param("strategy")
}

func errNotFound(what string) error { return gatehouse.NotFound(what) }

func errLocked(seconds *int64) error {
	e := gatehouse.Err(gatehouse.CodeUserLocked)
	e.Meta = map[string]any{}
	if seconds != nil {
		e.With("lockout_expires_in_seconds", *seconds).
			Long("Your account is locked. You will be able to try again in " + itoa(int(*seconds/60)+1) + " minutes.")
	}
	return e
}

func errBanned() error { return gatehouse.Err(gatehouse.CodeUserBanned) }

// errStatusInvalid refuses a step the sign-in's status does not allow,
// including a second completion of an already complete sign-in.
func errStatusInvalid(status string) error {
	return gatehouse.Err(gatehouse.CodeSignInStatusInvalid).Text("This sign-in is " + status + "; this step is not possible now.")
}

// errSignUpStatusInvalid refuses a step the sign-up's status does not allow.
func errSignUpStatusInvalid(status string) error {
	return gatehouse.Err(gatehouse.CodeSignUpStatusInvalid).Text("This sign-up is " + status + ".")
}

// errAttemptExpired refuses a sign-in or sign-up past its lifetime.
func errAttemptExpired(kind string) error {
	if kind == "sign_in" {
		return gatehouse.Err(gatehouse.CodeSignInExpired)
	}
	return gatehouse.Err(gatehouse.CodeSignUpExpired)
}

func errSessionExists() error { return gatehouse.Err(gatehouse.CodeSessionExists) }

func itoa(n int) string {
	const digits = "0123456789"
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{digits[n%10]}, b...)
		n /= 10
	}
	return string(b)
}
