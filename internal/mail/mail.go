// Package mail delivers Gatehouse's e-mails: one-time codes for sign-up
// verification, sign-in and password reset. Mailers: SMTP (production), Log
// (development: the message is written to the log so a developer can read
// the code) and Capture (tests).
package mail

import (
	"context"
	"log/slog"
	"strings"
	"sync"
)

// Message is one e-mail.
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string
	Kind    string // verification_code, sign_in_code, reset_password_code
	Code    string // the one-time code, for Capture; never logged by SMTP
}

// Sender sends a rendered message.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// CodeMailer renders code e-mails and hands them to a Sender. It satisfies
// the flow engine's Mailer.
type CodeMailer struct {
	codeMailerOptions
}

// CodeMailerOptions configure NewCodeMailer.
type CodeMailerOptions struct {
	Sender  Sender
	AppName func() string // the application name in the e-mails ("": Gatehouse)
}

// codeMailerOptions is embedded under an unexported name: fixed at
// NewCodeMailer.
type codeMailerOptions = CodeMailerOptions

// NewCodeMailer returns a CodeMailer sending through o.Sender.
func NewCodeMailer(o CodeMailerOptions) *CodeMailer { return &CodeMailer{codeMailerOptions: o} }

// SendCode renders the e-mail for purpose and sends it.
func (c *CodeMailer) SendCode(ctx context.Context, to, purpose, code string) error {
	name := "Gatehouse"
	if c.AppName != nil {
		if n := c.AppName(); n != "" {
			name = n
		}
	}
	m, err := Render(purpose, Data{AppName: name, Code: code, ExpiresInMinutes: 10})
	if err != nil {
		return err
	}
	m.To, m.Code = to, code
	return c.Sender.Send(ctx, m)
}

// Log writes messages to a logger (development only: it logs the code).
type Log struct{ Logger *slog.Logger }

// Send logs the message.
func (l Log) Send(ctx context.Context, m Message) error {
	l.Logger.LogAttrs(ctx, slog.LevelInfo, "development mail (not sent)", slog.String("kind", m.Kind),
		slog.String("to", m.To), slog.String("subject", m.Subject), slog.String("text", m.Text))
	return nil
}

// Capture records messages in memory (tests).
type Capture struct {
	mu   sync.Mutex
	msgs []Message
	wake chan struct{}
}

// Send records m.
func (c *Capture) Send(_ context.Context, m Message) error {
	c.mu.Lock()
	c.msgs = append(c.msgs, m)
	if c.wake != nil {
		close(c.wake)
		c.wake = nil
	}
	c.mu.Unlock()
	return nil
}

// Last returns the newest message to an address (case-insensitive).
func (c *Capture) Last(to string) (Message, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.msgs) - 1; i >= 0; i-- {
		if strings.EqualFold(c.msgs[i].To, to) {
			return c.msgs[i], true
		}
	}
	return Message{}, false
}

// Count returns how many messages were captured.
func (c *Capture) Count() int { c.mu.Lock(); defer c.mu.Unlock(); return len(c.msgs) }
