package mail

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"
)

// smtpServer is a small real SMTP server for tests: EHLO, STARTTLS (with a
// self-signed certificate), AUTH PLAIN, MAIL, RCPT, DATA, QUIT.
type smtpServer struct {
	ln       net.Listener
	tls      *tls.Config
	starttls bool
	user     string
	pass     string
	mu       sync.Mutex
	msgs     [][]byte
}

func selfSigned(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

func startSMTP(t *testing.T, starttls, implicit bool) (*smtpServer, *x509.CertPool) {
	t.Helper()
	cfg, pool := selfSigned(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if implicit {
		ln = tls.NewListener(ln, cfg)
	}
	s := &smtpServer{ln: ln, tls: cfg, starttls: starttls, user: "mailer", pass: "s3cret"}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c, implicit)
		}
	}()
	return s, pool
}

func (s *smtpServer) serve(c net.Conn, secure bool) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	say := func(line string) { w.WriteString(line + "\r\n"); w.Flush() }
	say("220 test ESMTP")
	authed := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			w.WriteString("250-test\r\n")
			if s.starttls && !secure {
				w.WriteString("250-STARTTLS\r\n")
			}
			say("250 AUTH PLAIN")
		case cmd == "STARTTLS":
			say("220 go ahead")
			tc := tls.Server(c, s.tls)
			if tc.Handshake() != nil {
				return
			}
			c, secure = tc, true
			r, w = bufio.NewReader(tc), bufio.NewWriter(tc)
		case strings.HasPrefix(cmd, "AUTH PLAIN"):
			raw, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(line[len("AUTH PLAIN"):]))
			if string(raw) == "\x00"+s.user+"\x00"+s.pass {
				authed = true
				say("235 ok")
			} else {
				say("535 authentication failed")
			}
		case strings.HasPrefix(cmd, "MAIL FROM"):
			if !authed {
				say("530 auth required")
				continue
			}
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO"):
			say("250 ok")
		case cmd == "DATA":
			say("354 go")
			var msg []byte
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				msg = append(msg, strings.TrimPrefix(l, ".")...)
			}
			s.mu.Lock()
			s.msgs = append(s.msgs, msg)
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("502 unknown")
		}
	}
}

func (s *smtpServer) last(t *testing.T) *mail.Message {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.msgs) == 0 {
		t.Fatal("no message received")
	}
	m, err := mail.ReadMessage(strings.NewReader(string(s.msgs[len(s.msgs)-1])))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSMTPDeliversOverSTARTTLS(t *testing.T) {
	srv, pool := startSMTP(t, true, false)
	sender, err := NewSMTP("smtp://mailer:s3cret@"+srv.ln.Addr().String(), "Acme <no-reply@acme.test>", &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	cm := NewCodeMailer(CodeMailerOptions{Sender: sender, AppName: func() string { return "Acmé <Tools>" }})
	if err := cm.SendCode(context.Background(), "ada@example.com", "verification_code", "123456"); err != nil {
		t.Fatalf("send: %v", err)
	}
	m := srv.last(t)
	subj, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil || subj != "123456 is your Acmé <Tools> verification code" {
		t.Fatalf("subject %q %v", subj, err)
	}
	if m.Header.Get("To") != "ada@example.com" || m.Header.Get("Message-Id") == "" || m.Header.Get("Date") == "" {
		t.Fatalf("headers: %v", m.Header)
	}
	_, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	mr := multipart.NewReader(m.Body, params["boundary"])
	var text, html string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p) // multipart decodes quoted-printable
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain") {
			text = string(b)
		} else {
			html = string(b)
		}
	}
	if !strings.Contains(text, "123456") || !strings.Contains(text, "10 minutes") || !strings.Contains(html, ">123456<") {
		t.Fatalf("bodies:\n%s\n%s", text, html)
	}
	if strings.Contains(html, "<Tools>") || !strings.Contains(html, "Acmé &lt;Tools&gt;") {
		t.Fatal("application name not escaped in HTML")
	}
}

func TestSMTPFailures(t *testing.T) {
	plain, pool := startSMTP(t, false, false)
	tc := &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	s, _ := NewSMTP("smtp://mailer:s3cret@"+plain.ln.Addr().String(), "a@b.test", tc)
	if err := s.Send(context.Background(), Message{To: "x@y.test", Subject: "s", Text: "t"}); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("STARTTLS required but not offered: %v", err)
	}
	s, _ = NewSMTP("smtp://mailer:s3cret@"+plain.ln.Addr().String()+"?starttls=off", "a@b.test", tc)
	if err := s.Send(context.Background(), Message{To: "x@y.test", Subject: "s", Text: "t"}); err != nil {
		t.Fatalf("starttls=off: %v", err)
	}
	tlsSrv, pool2 := startSMTP(t, true, false)
	s, _ = NewSMTP("smtp://mailer:wrong@"+tlsSrv.ln.Addr().String(), "a@b.test", &tls.Config{RootCAs: pool2, ServerName: "127.0.0.1"})
	if err := s.Send(context.Background(), Message{To: "x@y.test", Subject: "s", Text: "t"}); err == nil || !strings.Contains(err.Error(), "authentication") {
		t.Fatalf("wrong password: %v", err)
	}
	if err := s.Send(context.Background(), Message{To: "x@y.test\r\nBcc: evil@z.test", Subject: "s"}); err == nil {
		t.Fatal("header injection accepted")
	}
	// A server that never answers: the context bounds the wait.
	silent, _ := net.Listen("tcp", "127.0.0.1:0")
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	s, _ = NewSMTP("smtp://"+silent.Addr().String(), "a@b.test", tc)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := s.Send(ctx, Message{To: "x@y.test", Subject: "s"}); err == nil || time.Since(start) > 3*time.Second {
		t.Fatalf("silent server: %v after %v", err, time.Since(start))
	}
	for _, bad := range []string{"http://x", "smtp://", "::"} {
		if _, err := NewSMTP(bad, "a@b.test", nil); err == nil {
			t.Errorf("NewSMTP(%q) accepted", bad)
		}
	}
}

func TestSMTPImplicitTLS(t *testing.T) {
	srv, pool := startSMTP(t, false, true)
	s, err := NewSMTP("smtps://mailer:s3cret@"+srv.ln.Addr().String(), "a@b.test", &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), Message{To: "x@y.test", Subject: "hello", Text: "t", HTML: "<p>h</p>"}); err != nil {
		t.Fatalf("smtps: %v", err)
	}
	if srv.last(t).Header.Get("Subject") != "hello" {
		t.Fatal("subject")
	}
}

func TestRenderEveryKind(t *testing.T) {
	for _, k := range []string{"verification_code", "sign_in_code", "reset_password_code"} {
		m, err := Render(k, Data{AppName: "Acme", Code: "654321", ExpiresInMinutes: 10})
		if err != nil || !strings.Contains(m.Text, "654321") || !strings.Contains(m.HTML, "654321") || !strings.Contains(m.Subject, "Acme") {
			t.Fatalf("%s: %+v %v", k, m, err)
		}
	}
	if _, err := Render("nope", Data{}); err == nil {
		t.Fatal("unknown kind rendered")
	}
}
