// Package wire renders domain objects in Clerk's JSON shapes, shared by the
// Backend API, the Frontend API and webhook payloads so the three never
// drift apart. Timestamps are Unix milliseconds; every object carries
// "object".
package wire

import (
	"time"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// User is Clerk's User object.
type User struct {
	Object                        string           `json:"object"`
	ID                            string           `json:"id"`
	ExternalID                    *string          `json:"external_id"`
	Username                      *string          `json:"username"`
	FirstName                     *string          `json:"first_name"`
	LastName                      *string          `json:"last_name"`
	ImageURL                      string           `json:"image_url"`
	ProfileImageURL               string           `json:"profile_image_url"`
	HasImage                      bool             `json:"has_image"`
	PrimaryEmailAddressID         *string          `json:"primary_email_address_id"`
	PrimaryPhoneNumberID          *string          `json:"primary_phone_number_id"`
	PrimaryWeb3WalletID           *string          `json:"primary_web3_wallet_id"`
	EmailAddresses                []Identification `json:"email_addresses"`
	PhoneNumbers                  []Identification `json:"phone_numbers"`
	Web3Wallets                   []any            `json:"web3_wallets"`
	Passkeys                      []any            `json:"passkeys"`
	ExternalAccounts              []any            `json:"external_accounts"`
	SAMLAccounts                  []any            `json:"saml_accounts"`
	EnterpriseAccounts            []any            `json:"enterprise_accounts"`
	PublicMetadata                map[string]any   `json:"public_metadata"`
	PrivateMetadata               map[string]any   `json:"private_metadata,omitzero"`
	UnsafeMetadata                map[string]any   `json:"unsafe_metadata"`
	PasswordEnabled               bool             `json:"password_enabled"`
	TwoFactorEnabled              bool             `json:"two_factor_enabled"`
	TOTPEnabled                   bool             `json:"totp_enabled"`
	BackupCodeEnabled             bool             `json:"backup_code_enabled"`
	MFAEnabledAt                  *int64           `json:"mfa_enabled_at"`
	MFADisabledAt                 *int64           `json:"mfa_disabled_at"`
	Banned                        bool             `json:"banned"`
	Locked                        bool             `json:"locked"`
	LockoutExpiresInSeconds       *int64           `json:"lockout_expires_in_seconds"`
	VerificationAttemptsRemaining *int             `json:"verification_attempts_remaining"`
	LastSignInAt                  *int64           `json:"last_sign_in_at"`
	LastActiveAt                  *int64           `json:"last_active_at"`
	LegalAcceptedAt               *int64           `json:"legal_accepted_at"`
	DeleteSelfEnabled             bool             `json:"delete_self_enabled"`
	CreateOrganizationEnabled     bool             `json:"create_organization_enabled"`
	CreateOrganizationsLimit      *int             `json:"create_organizations_limit"`
	CreatedAt                     int64            `json:"created_at"`
	UpdatedAt                     int64            `json:"updated_at"`
}

// Identification is Clerk's EmailAddress or PhoneNumber object.
type Identification struct {
	Object       string        `json:"object"`
	ID           string        `json:"id"`
	EmailAddress string        `json:"email_address,omitempty"`
	PhoneNumber  string        `json:"phone_number,omitempty"`
	Reserved     bool          `json:"reserved"`
	Verification *Verification `json:"verification"`
	LinkedTo     []any         `json:"linked_to"`
	CreatedAt    int64         `json:"created_at"`
	UpdatedAt    int64         `json:"updated_at"`
}

// Verification is Clerk's verification object for an identification.
type Verification struct {
	Object   string `json:"object"`
	Status   string `json:"status"`
	Strategy string `json:"strategy"`
	Attempts *int   `json:"attempts"`
	ExpireAt *int64 `json:"expire_at"`
}

// UserOptions select audience-specific parts of the user.
type UserOptions struct {
	Private   bool // include private_metadata (Backend API only)
	Now       time.Time
	PublicURL string // the instance's public URL: image_url is absolute under it
}

// NewUser renders u. lockedUntil is evaluated at opts.Now.
func NewUser(u *gatehouse.User, opts UserOptions) User {
	out := User{Object: "user", ID: u.ID, ExternalID: u.ExternalID, Username: u.Username, FirstName: u.FirstName,
		LastName: u.LastName, ImageURL: ImageURL(u, opts.PublicURL), ProfileImageURL: ImageURL(u, opts.PublicURL), HasImage: u.ImageURL != "",
		PrimaryEmailAddressID: u.PrimaryEmailAddressID, PrimaryPhoneNumberID: u.PrimaryPhoneNumberID,
		EmailAddresses: make([]Identification, 0, len(u.EmailAddresses)), PhoneNumbers: make([]Identification, 0, len(u.PhoneNumbers)),
		Web3Wallets: []any{}, Passkeys: []any{}, ExternalAccounts: []any{}, SAMLAccounts: []any{}, EnterpriseAccounts: []any{},
		PublicMetadata: nonNil(u.PublicMetadata), UnsafeMetadata: nonNil(u.UnsafeMetadata),
		PasswordEnabled: u.PasswordEnabled(), Banned: u.Banned, LastSignInAt: u.LastSignInAt, LastActiveAt: u.LastActiveAt,
		LegalAcceptedAt: u.LegalAcceptedAt, DeleteSelfEnabled: u.DeleteSelfEnabled, CreateOrganizationEnabled: u.CreateOrgEnabled,
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
	if opts.Private {
		out.PrivateMetadata = nonNil(u.PrivateMetadata)
	}
	if u.Locked {
		if u.LockoutUntil == nil {
			out.Locked = true
		} else if left := (*u.LockoutUntil - opts.Now.UnixMilli() + 999) / 1000; left > 0 {
			out.Locked, out.LockoutExpiresInSeconds = true, &left
		}
	}
	for _, e := range u.EmailAddresses {
		out.EmailAddresses = append(out.EmailAddresses, NewIdentification(e))
	}
	for _, p := range u.PhoneNumbers {
		out.PhoneNumbers = append(out.PhoneNumbers, NewIdentification(p))
	}
	return out
}

// NewIdentification renders an email address or phone number.
func NewIdentification(i gatehouse.Identification) Identification {
	out := Identification{ID: i.ID, Reserved: i.Reserved, LinkedTo: []any{}, CreatedAt: i.CreatedAt, UpdatedAt: i.UpdatedAt}
	if i.Kind == gatehouse.KindPhone {
		out.Object, out.PhoneNumber = "phone_number", i.Value
	} else {
		out.Object, out.EmailAddress = "email_address", i.Value
	}
	obj := "verification_otp"
	if i.VerificationStrategy == gatehouse.StrategyAdmin {
		obj = "verification_admin"
	}
	if i.VerificationStatus != gatehouse.VerificationVerified && i.VerificationStrategy == "" {
		// Nothing prepared yet: Clerk's null verification, never an
		// "unverified email_code" that reads as "a code was sent".
		return out
	}
	attempts := i.VerificationAttempts
	out.Verification = &Verification{Object: obj, Status: i.VerificationStatus, Strategy: i.VerificationStrategy,
		Attempts: &attempts, ExpireAt: i.VerificationExpireAt}
	return out
}

// DeletedObject is Clerk's answer to a delete.
type DeletedObject struct {
	Object  string `json:"object"`
	ID      string `json:"id"`
	Deleted bool   `json:"deleted"`
}

// TotalCount is Clerk's count object.
type TotalCount struct {
	Object     string `json:"object"`
	TotalCount int    `json:"total_count"`
}

func nonNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
