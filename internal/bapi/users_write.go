package bapi

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/httpx"
	"github.com/gatehouse/gatehouse/internal/users"
)

// createUserBody is POST /users. Fields Gatehouse does not implement yet
// (TOTP, backup codes, ...) are accepted only when empty, so SDKs that send
// zero values keep working but nothing is silently dropped.
type createUserBody struct {
	ExternalID                *string         `json:"external_id"`
	FirstName                 *string         `json:"first_name"`
	LastName                  *string         `json:"last_name"`
	Locale                    *string         `json:"locale"`
	EmailAddress              []string        `json:"email_address"`
	PhoneNumber               []string        `json:"phone_number"`
	Username                  *string         `json:"username"`
	Password                  *string         `json:"password"`
	PasswordDigest            *string         `json:"password_digest"`
	PasswordHasher            *string         `json:"password_hasher"`
	SkipPasswordChecks        *bool           `json:"skip_password_checks"`
	SkipPasswordRequirement   *bool           `json:"skip_password_requirement"`
	SkipLegalChecks           *bool           `json:"skip_legal_checks"`
	PublicMetadata            map[string]any  `json:"public_metadata"`
	PrivateMetadata           map[string]any  `json:"private_metadata"`
	UnsafeMetadata            map[string]any  `json:"unsafe_metadata"`
	DeleteSelfEnabled         *bool           `json:"delete_self_enabled"`
	CreateOrganizationEnabled *bool           `json:"create_organization_enabled"`
	LegalAcceptedAt           *timestampParam `json:"legal_accepted_at"`
	TOTPSecret                *string         `json:"totp_secret"`
	BackupCodes               []string        `json:"backup_codes"`
	Banned                    *bool           `json:"banned"`
	Locked                    *bool           `json:"locked"`
}

func notSupported(param string) error {
	return gatehouse.Err(gatehouse.CodeParamValueInvalid).Msg("not supported").
		Long(param + " is not supported by this server yet.").Param(param)
}

// rejectMFAImport refuses TOTP secrets and backup codes until MFA exists,
// rather than dropping them silently.
func rejectMFAImport(totp *string, backup []string) error {
	if totp != nil && *totp != "" {
		return notSupported("totp_secret")
	}
	if len(backup) > 0 {
		return notSupported("backup_codes")
	}
	return nil
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request) error {
	var b createUserBody
	if err := httpx.Decode(r, &b); err != nil {
		return err
	}
	if err := rejectMFAImport(b.TOTPSecret, b.BackupCodes); err != nil {
		return err
	}
	if b.Password != nil {
		if err := a.passwordLimited(r); err != nil {
			return err
		}
	}
	p := users.CreateParams{ExternalID: b.ExternalID, FirstName: b.FirstName, LastName: b.LastName, Username: b.Username,
		EmailAddresses: b.EmailAddress, PhoneNumbers: b.PhoneNumber, Password: b.Password, PasswordDigest: b.PasswordDigest,
		PasswordHasher: b.PasswordHasher, SkipPasswordChecks: b.SkipPasswordChecks != nil && *b.SkipPasswordChecks,
		PublicMetadata: b.PublicMetadata, PrivateMetadata: b.PrivateMetadata, UnsafeMetadata: b.UnsafeMetadata,
		DeleteSelfEnabled: b.DeleteSelfEnabled, CreateOrganizationEnabled: b.CreateOrganizationEnabled, Verified: true}
	if b.LegalAcceptedAt != nil {
		p.LegalAcceptedAt = &b.LegalAcceptedAt.ms
	}
	p.Banned, p.Locked = b.Banned != nil && *b.Banned, b.Locked != nil && *b.Locked
	u, err := a.Users.Create(r.Context(), p)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, a.render(u))
	return nil
}

type updateUserBody struct {
	ExternalID                gatehouse.Opt[string]         `json:"external_id"`
	FirstName                 gatehouse.Opt[string]         `json:"first_name"`
	LastName                  gatehouse.Opt[string]         `json:"last_name"`
	Locale                    gatehouse.Opt[string]         `json:"locale"`
	Username                  gatehouse.Opt[string]         `json:"username"`
	Password                  gatehouse.Opt[string]         `json:"password"`
	PasswordDigest            gatehouse.Opt[string]         `json:"password_digest"`
	PasswordHasher            gatehouse.Opt[string]         `json:"password_hasher"`
	SkipPasswordChecks        *bool                         `json:"skip_password_checks"`
	SignOutOfOtherSessions    *bool                         `json:"sign_out_of_other_sessions"`
	PrimaryEmailAddressID     gatehouse.Opt[string]         `json:"primary_email_address_id"`
	NotifyPrimaryEmailChanged *bool                         `json:"notify_primary_email_address_changed"`
	PrimaryPhoneNumberID      gatehouse.Opt[string]         `json:"primary_phone_number_id"`
	PublicMetadata            gatehouse.Opt[map[string]any] `json:"public_metadata"`
	PrivateMetadata           gatehouse.Opt[map[string]any] `json:"private_metadata"`
	UnsafeMetadata            gatehouse.Opt[map[string]any] `json:"unsafe_metadata"`
	DeleteSelfEnabled         gatehouse.Opt[bool]           `json:"delete_self_enabled"`
	CreateOrganizationEnabled gatehouse.Opt[bool]           `json:"create_organization_enabled"`
	LegalAcceptedAt           gatehouse.Opt[timestampParam] `json:"legal_accepted_at"`
	SkipLegalChecks           *bool                         `json:"skip_legal_checks"`
	TOTPSecret                *string                       `json:"totp_secret"`
	BackupCodes               []string                      `json:"backup_codes"`
}

func (a *API) updateUser(w http.ResponseWriter, r *http.Request) error {
	var b updateUserBody
	if err := httpx.Decode(r, &b); err != nil {
		return err
	}
	if err := rejectMFAImport(b.TOTPSecret, b.BackupCodes); err != nil {
		return err
	}
	if b.Password.Set && !b.Password.Null {
		if err := a.passwordLimited(r); err != nil {
			return err
		}
	}
	p := users.UpdateParams{ExternalID: b.ExternalID, FirstName: b.FirstName, LastName: b.LastName, Username: b.Username,
		Password: b.Password, PasswordDigest: b.PasswordDigest, PasswordHasher: b.PasswordHasher,
		SkipPasswordChecks: b.SkipPasswordChecks != nil && *b.SkipPasswordChecks, PrimaryEmailAddressID: b.PrimaryEmailAddressID,
		PrimaryPhoneNumberID: b.PrimaryPhoneNumberID, PublicMetadata: b.PublicMetadata, PrivateMetadata: b.PrivateMetadata,
		UnsafeMetadata: b.UnsafeMetadata, DeleteSelfEnabled: b.DeleteSelfEnabled, CreateOrganizationEnabled: b.CreateOrganizationEnabled}
	if b.LegalAcceptedAt.Set {
		p.LegalAcceptedAt = gatehouse.Opt[int64]{Set: true, Null: b.LegalAcceptedAt.Null, Value: b.LegalAcceptedAt.Value.ms}
	}
	u, err := a.Users.Update(r.Context(), r.PathValue("id"), p)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, a.render(u))
	return nil
}
