package gatehouse

// User is a person who can sign in. Metadata fields hold JSON objects encoded
// as map[string]any; a nil map means {}.
type User struct {
	ID                    string
	ExternalID            *string
	Username              *string
	FirstName             *string
	LastName              *string
	ImageURL              string
	PasswordDigest        string // empty when the user has no password
	PublicMetadata        map[string]any
	PrivateMetadata       map[string]any
	UnsafeMetadata        map[string]any
	Banned                bool
	Locked                bool
	LockoutUntil          *int64 // Unix ms; nil when not locked or locked indefinitely
	FailedAttempts        int
	PrimaryEmailAddressID *string
	PrimaryPhoneNumberID  *string
	LastSignInAt          *int64
	LastActiveAt          *int64
	LegalAcceptedAt       *int64
	DeleteSelfEnabled     bool
	CreateOrgEnabled      bool
	CreatedAt             int64
	UpdatedAt             int64

	EmailAddresses []Identification
	PhoneNumbers   []Identification
}

// Identification kinds.
const (
	KindEmail = "email_address"
	KindPhone = "phone_number"
)

// Verification statuses and strategies.
const (
	VerificationUnverified = "unverified"
	VerificationVerified   = "verified"
	VerificationFailed     = "failed"
	VerificationExpired    = "expired"

	StrategyAdmin     = "admin"
	StrategyEmailCode = "email_code"
	StrategyPhoneCode = "phone_code"
	StrategyFromOAuth = "from_oauth"
)

// Identification is an email address or phone number owned by a user, with the
// state of its verification.
type Identification struct {
	ID                   string
	UserID               string
	Kind                 string // KindEmail or KindPhone
	Value                string // as the user typed it (trimmed)
	Normalized           string // the form used for uniqueness and lookup
	VerificationStatus   string
	VerificationStrategy string
	VerificationAttempts int
	VerificationExpireAt *int64
	Reserved             bool
	CreatedAt            int64
	UpdatedAt            int64
}

// Verified reports whether the identification has been verified.
func (i Identification) Verified() bool { return i.VerificationStatus == VerificationVerified }

// PasswordEnabled reports whether the user can sign in with a password.
func (u *User) PasswordEnabled() bool { return u.PasswordDigest != "" }

// PrimaryEmail returns the user's primary email address, if any.
func (u *User) PrimaryEmail() (Identification, bool) {
	if u.PrimaryEmailAddressID == nil {
		return Identification{}, false
	}
	if e := u.EmailByID(*u.PrimaryEmailAddressID); e != nil {
		return *e, true
	}
	return Identification{}, false
}

// EmailByID returns the user's email address with id (a pointer into
// u.EmailAddresses), or nil.
func (u *User) EmailByID(id string) *Identification {
	for i := range u.EmailAddresses {
		if u.EmailAddresses[i].ID == id {
			return &u.EmailAddresses[i]
		}
	}
	return nil
}
