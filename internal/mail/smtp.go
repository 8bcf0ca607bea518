package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strings"
	"time"
)

// SMTP sends mail through an SMTP server given as a URL:
// smtp://user:pass@host:587 (STARTTLS required unless ?starttls=off or
// ?starttls=opportunistic) or smtps://user:pass@host:465 (implicit TLS).
type SMTP struct {
	host, addr string
	implicit   bool
	starttls   string // require, opportunistic, off
	auth       smtp.Auth
	from       string
	timeout    time.Duration
	tlsConfig  *tls.Config
}

// NewSMTP parses rawURL; from is the envelope and header sender.
func NewSMTP(rawURL, from string, tlsConfig *tls.Config) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, errors.New("SMTP URL is not a URL")
	}
	s := &SMTP{from: from, timeout: 10 * time.Second, starttls: "require", tlsConfig: tlsConfig}
	switch u.Scheme {
	case "smtp":
	case "smtps":
		s.implicit = true
	default:
		return nil, fmt.Errorf("SMTP URL scheme must be smtp or smtps, not %q", u.Scheme)
	}
	s.host = u.Hostname()
	if s.host == "" {
		return nil, errors.New("SMTP URL needs a host")
	}
	port := u.Port()
	if port == "" {
		port = map[bool]string{true: "465", false: "587"}[s.implicit]
	}
	s.addr = net.JoinHostPort(s.host, port)
	if v := u.Query().Get("starttls"); v != "" {
		if v != "require" && v != "opportunistic" && v != "off" {
			return nil, fmt.Errorf("starttls must be require, opportunistic or off, not %q", v)
		}
		s.starttls = v
	}
	if u.User != nil {
		pw, _ := u.User.Password()
		s.auth = smtp.PlainAuth("", u.User.Username(), pw, s.host)
	}
	if strings.ContainsAny(from, "\r\n") || !strings.Contains(from, "@") {
		return nil, errors.New("mail from address is invalid")
	}
	if s.tlsConfig == nil {
		s.tlsConfig = &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
	}
	return s, nil
}

// Send delivers m, honouring ctx and a 10-second limit.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	if strings.ContainsAny(m.To, "\r\n") || strings.ContainsAny(m.Subject, "\r\n") {
		return errors.New("mail: header injection attempt refused")
	}
	raw, err := s.build(m)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	d := &net.Dialer{}
	var conn net.Conn
	if s.implicit {
		conn, err = (&tls.Dialer{NetDialer: d, Config: s.tlsConfig}).DialContext(ctx, "tcp", s.addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", s.addr)
	}
	if err != nil {
		return fmt.Errorf("smtp dial %s: %w", s.addr, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return fmt.Errorf("smtp greeting: %w", err)
	}
	defer c.Close()
	if !s.implicit && s.starttls != "off" {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tlsConfig); err != nil {
				return fmt.Errorf("smtp starttls: %w", err)
			}
		} else if s.starttls == "require" {
			return errors.New("smtp: server does not offer STARTTLS (set ?starttls=opportunistic to allow plain text)")
		}
	}
	if s.auth != nil {
		if err := c.Auth(s.auth); err != nil {
			return fmt.Errorf("smtp authentication: %w", err)
		}
	}
	if err := c.Mail(s.from); err != nil {
		return fmt.Errorf("smtp MAIL FROM: %w", err)
	}
	if err := c.Rcpt(m.To); err != nil {
		return fmt.Errorf("smtp RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp DATA: %w", err)
	}
	if _, err := w.Write(raw); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp end of data: %w", err)
	}
	return c.Quit()
}

// build renders a multipart/alternative MIME message with CRLF endings.
func (s *SMTP) build(m Message) ([]byte, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, part := range []struct{ ct, content string }{{"text/plain; charset=utf-8", m.Text}, {"text/html; charset=utf-8", m.HTML}} {
		pw, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {part.ct}, "Content-Transfer-Encoding": {"quoted-printable"}})
		if err != nil {
			return nil, err
		}
		qp := quotedprintable.NewWriter(pw)
		if _, err := qp.Write([]byte(strings.ReplaceAll(part.content, "\n", "\r\n"))); err != nil {
			return nil, err
		}
		if err := qp.Close(); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	var id [12]byte
	_, _ = rand.Read(id[:])
	var h bytes.Buffer
	fmt.Fprintf(&h, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s@%s>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=%s\r\n\r\n",
		s.from, m.To, mime.QEncoding.Encode("utf-8", m.Subject), time.Now().UTC().Format(time.RFC1123Z), hex.EncodeToString(id[:]), s.host, mw.Boundary())
	return append(h.Bytes(), body.Bytes()...), nil
}
