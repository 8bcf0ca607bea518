package apitest

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/keys"
)

// ProductionURL is the public URL of a StartProduction server. Requests still
// go to Server.URL (plain HTTP on loopback); cookies the server sets are
// Secure, so a cookie jar does not send them back: read Set-Cookie instead.
const ProductionURL = "https://clerk.gatehouse.test"

// StartProduction boots a production-mode server: public URL ProductionURL,
// a fresh encryption key, and an SMTP URL that is never dialled (mail goes
// to Server.Mail as always).
func StartProduction(t testing.TB, e Engine, mut func(*config.Config)) *Server {
	t.Helper()
	return StartConfig(t, e, func(c *config.Config) {
		c.Mode, c.PublicURL = config.ModeProduction, ProductionURL
		c.SMTPURL, c.MailFrom = "smtp://127.0.0.1:1", "noreply@gatehouse.test"
		c.EncryptionKey = keys.GenerateEncryptionKey()
		if mut != nil {
			mut(c)
		}
	})
}
