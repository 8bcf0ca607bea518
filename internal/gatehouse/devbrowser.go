package gatehouse

// DevBrowser is a development-mode browser identity (docs/design-nextjs.md
// §2.3): the hash of its dvb_ bearer token, the client it is bound to (nil
// until a client is created for it) and its lifetime.
type DevBrowser struct {
	ID         string
	TokenHash  []byte
	ClientID   *string
	Origin     string
	CreatedAt  int64
	LastUsedAt int64
	ExpireAt   int64 // the idle deadline, capped at the absolute one (Unix ms)
}
