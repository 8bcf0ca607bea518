package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	texttemplate "text/template"
)

//go:embed templates/*
var templateFS embed.FS

var (
	htmlT = htmltemplate.Must(htmltemplate.ParseFS(templateFS, "templates/*.html"))
	textT = texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/*.txt"))
)

// Data fills the templates.
type Data struct {
	AppName          string
	Code             string
	ExpiresInMinutes int
	Heading          string
	Intro            string
}

var subjects = map[string]struct{ subject, heading, intro string }{
	"verification_code":   {"%s is your %s verification code", "Verify your email address", "Enter this code to finish creating your account:"},
	"sign_in_code":        {"%s is your %s sign-in code", "Your sign-in code", "Enter this code to sign in:"},
	"reset_password_code": {"%s is your %s password reset code", "Reset your password", "Enter this code to choose a new password:"},
}

// Render builds the message for a kind.
func Render(kind string, d Data) (Message, error) {
	s, ok := subjects[kind]
	if !ok {
		return Message{}, fmt.Errorf("mail: unknown kind %q", kind)
	}
	d.Heading, d.Intro = s.heading, s.intro
	var h, t bytes.Buffer
	if err := htmlT.ExecuteTemplate(&h, "code.html", d); err != nil {
		return Message{}, err
	}
	if err := textT.ExecuteTemplate(&t, "code.txt", d); err != nil {
		return Message{}, err
	}
	return Message{Kind: kind, Subject: fmt.Sprintf(s.subject, d.Code, d.AppName), HTML: h.String(), Text: t.String()}, nil
}
