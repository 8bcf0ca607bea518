package gatehouse

// Client is one browser or device. Its secret token (the __client cookie) is
// stored only as a SHA-256 hash.
type Client struct {
	ID                  string
	TokenHash           []byte
	SignInID            *string
	SignUpID            *string
	LastActiveSessionID *string
	CreatedAt           int64
	UpdatedAt           int64
}

// Session statuses.
const (
	SessionActive    = "active"
	SessionPending   = "pending"
	SessionEnded     = "ended"
	SessionRemoved   = "removed"
	SessionRevoked   = "revoked"
	SessionExpired   = "expired"
	SessionAbandoned = "abandoned"
	SessionReplaced  = "replaced"
)

// Session is a signed-in user on one client.
type Session struct {
	ID           string
	ClientID     string
	UserID       string
	Status       string
	LastActiveAt int64
	ExpireAt     int64
	AbandonAt    *int64
	Factor1At    *int64 // when the first factor was verified
	Factor2At    *int64 // when the second factor was verified
	CreatedAt    int64
	UpdatedAt    int64
}

// EffectiveStatus is the status a reader should see at now (Unix ms): an
// active session past its expiry or inactivity deadline reads as expired or
// abandoned even before a writer records it.
func (s *Session) EffectiveStatus(now int64) string {
	if s.Status != SessionActive {
		return s.Status
	}
	if now >= s.ExpireAt {
		return SessionExpired
	}
	if s.AbandonAt != nil && now >= *s.AbandonAt {
		return SessionAbandoned
	}
	return SessionActive
}
