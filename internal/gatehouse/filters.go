package gatehouse

// Filters the services take to list things. They are domain values so that
// handlers can build them without knowing the store.

// SessionFilter selects sessions; zero fields do not filter.
type SessionFilter struct {
	UserID, ClientID, Status string
	Limit, Offset            int
}

// UserFilter selects users for a listing or a count. Slices are ORed within
// a field and fields are ANDed, as in Clerk's GET /users. Email and phone
// values must already be normalised; usernames are compared lower-case.
type UserFilter struct {
	UserIDs        []string
	ExternalIDs    []string
	EmailAddresses []string
	PhoneNumbers   []string
	Usernames      []string
	Query          string // case-insensitive substring of id, names, username, email, phone
	Banned         *bool
	Limit          int    // 1..500
	Offset         int    // >= 0
	OrderBy        string // a field of UserOrderFields, with optional +/- prefix (default -created_at)
}

// UserOrderFields are the fields a user listing can be ordered by.
var UserOrderFields = []string{"created_at", "updated_at", "last_sign_in_at", "last_active_at", "first_name", "last_name", "username"}

// IsUserOrderField reports whether field is one of UserOrderFields.
func IsUserOrderField(field string) bool {
	for _, f := range UserOrderFields {
		if f == field {
			return true
		}
	}
	return false
}

// AuditEvent is one entry of the audit log.
type AuditEvent struct {
	ID        string         `json:"id"`
	Type      string         `json:"type"`
	UserID    *string        `json:"user_id"`
	SessionID *string        `json:"session_id"`
	IP        string         `json:"ip_address"`
	UserAgent string         `json:"user_agent"`
	Data      map[string]any `json:"data"`
	CreatedAt int64          `json:"created_at"`
}

// AuditFilter selects audit events; zero fields do not filter.
type AuditFilter struct {
	Types  []string
	UserID string
	Since  int64 // created_at >= Since (ms)
	Until  int64 // created_at < Until (ms)
	Limit  int
	Offset int
}
