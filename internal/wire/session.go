package wire

import "github.com/gatehouse/gatehouse/internal/gatehouse"

// Session is the Backend API's Session object.
type Session struct {
	Object                   string  `json:"object"`
	ID                       string  `json:"id"`
	ClientID                 string  `json:"client_id"`
	UserID                   string  `json:"user_id"`
	Status                   string  `json:"status"`
	LastActiveAt             int64   `json:"last_active_at"`
	LastActiveOrganizationID *string `json:"last_active_organization_id"`
	Actor                    any     `json:"actor"`
	ExpireAt                 int64   `json:"expire_at"`
	AbandonAt                *int64  `json:"abandon_at"`
	CreatedAt                int64   `json:"created_at"`
	UpdatedAt                int64   `json:"updated_at"`
}

// NewSession renders s with the status a reader should see at now (Unix ms).
func NewSession(s *gatehouse.Session, now int64) Session {
	return Session{Object: "session", ID: s.ID, ClientID: s.ClientID, UserID: s.UserID, Status: s.EffectiveStatus(now),
		LastActiveAt: s.LastActiveAt, ExpireAt: s.ExpireAt, AbandonAt: s.AbandonAt, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}
