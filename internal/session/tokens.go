package session

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/keys"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/wire"
)

// reserved claims cannot be overridden by custom session claims.
var reserved = map[string]bool{"sub": true, "sid": true, "iss": true, "azp": true, "exp": true, "iat": true,
	"nbf": true, "jti": true, "v": true, "sts": true, "fva": true, "o": true, "act": true}

// MintToken issues a session token for sessionID on the client holding
// clientToken; azp is the request Origin ("" omits it). The common case is
// one indexed read and no write: last_active_at moves at most once a minute.
func (s *Service) MintToken(ctx context.Context, clientToken, sessionID, azp string) (string, error) {
	if clientToken == "" {
		return "", ErrNoClient
	}
	return s.MintTokenForClient(ctx, keys.HashToken(clientToken), sessionID, azp)
}

// MintTokenForClient is MintToken for a client already authenticated (by a
// dev browser, say): clientTokenHash is its stored token hash.
func (s *Service) MintTokenForClient(ctx context.Context, clientTokenHash []byte, sessionID, azp string) (string, error) {
	if len(clientTokenHash) == 0 {
		return "", ErrNoClient
	}
	tc, err := s.st.Q().TokenContextFor(ctx, clientTokenHash, sessionID)
	if errors.Is(err, gatehouse.ErrNotFound) {
		return "", notFound()
	}
	if err != nil {
		return "", err
	}
	return s.mint(ctx, &tc.Session, tc.User, azp, TokenLifetime, false, 0)
}

// MintForSession issues a token for a session by id (Backend API), with an
// optional lifetime.
func (s *Service) MintForSession(ctx context.Context, sessionID string, lifetime time.Duration) (string, error) {
	sess, err := s.st.Q().GetSession(ctx, sessionID)
	if errors.Is(err, gatehouse.ErrNotFound) {
		return "", notFound()
	}
	if err != nil {
		return "", err
	}
	u, err := s.st.Q().GetUser(ctx, sess.UserID)
	if err != nil {
		return "", err
	}
	if lifetime <= 0 {
		lifetime = TokenLifetime
	}
	return s.mint(ctx, sess, u, "", lifetime, false, 0)
}

// mint signs a token for sess; reuse allows an envelope token minted within
// EnvelopeReuse for identical claims (see EnvelopeToken). minIAT (Unix
// seconds, 0 for none) is the earliest iat the returned token may carry.
func (s *Service) mint(ctx context.Context, sess *gatehouse.Session, u *gatehouse.User, azp string, lifetime time.Duration, reuse bool, minIAT int64) (string, error) {
	now := s.clock.Now()
	nowMS := now.UnixMilli()
	if st := sess.EffectiveStatus(nowMS); st != gatehouse.SessionActive {
		return "", errSessionInactive(st)
	}
	if u.Banned {
		return "", errSessionInactive("revoked (user banned)")
	}
	claims := map[string]any{}
	if tmpl := s.inst.Settings().SessionClaims; len(tmpl) > 0 {
		if needsIdentifications(tmpl) && u.EmailAddresses == nil {
			if full, err := s.st.Q().GetUser(ctx, u.ID); err == nil {
				u = full
			}
		}
		data := ShortcodeData(u)
		data["user"].(map[string]any)["image_url"] = wire.ImageURL(u, s.publicURL)
		for k, v := range RenderClaims(tmpl, data) {
			if !reserved[k] {
				claims[k] = v
			}
		}
	}
	claims["sub"] = u.ID
	claims["sid"] = sess.ID
	claims["iss"] = s.issuer
	if azp != "" {
		claims["azp"] = azp
	}
	claims["v"] = 2
	claims["sts"] = "active"
	claims["fva"] = []int{ageMinutes(sess.Factor1At, nowMS), ageMinutes(sess.Factor2At, nowMS)}
	signer, _ := s.inst.Signer()
	var sum [32]byte
	key := sess.ID + "\x00" + azp
	reuse = reuse && lifetime == TokenLifetime // only standard envelope tokens are shared
	if reuse {
		sum = claimsSum(claims, signer.KID())
		if tok, ok := s.reuse.get(key, sum, now, minIAT); ok {
			s.touchIfDue(ctx, sess, nowMS)
			return tok, nil
		}
	}
	jti, err := keys.RandomToken(10)
	if err != nil {
		return "", err
	}
	iat := max(now.Unix(), minIAT)
	claims["iat"] = iat
	claims["nbf"] = now.Add(-ClockSkew).Unix()
	claims["exp"] = now.Add(lifetime).Unix()
	claims["jti"] = jti
	tok, err := signer.Sign(claims)
	if err != nil {
		return "", err
	}
	if reuse {
		s.reuse.put(key, sum, tok, now, iat)
	}
	s.touchIfDue(ctx, sess, nowMS)
	return tok, nil
}

// touchIfDue records activity at most once per ActivityGranularity.
func (s *Service) touchIfDue(ctx context.Context, sess *gatehouse.Session, nowMS int64) {
	if nowMS-sess.LastActiveAt > ActivityGranularity.Milliseconds() {
		s.touch(ctx, sess, nowMS)
	}
}

// touch records activity; a failure only delays the next touch.
func (s *Service) touch(ctx context.Context, sess *gatehouse.Session, nowMS int64) {
	var abandon *int64
	if t := s.inst.Settings().InactivityTimeout; t > 0 {
		a := nowMS + int64(t)*1000
		abandon = &a
	}
	_ = s.st.Tx(ctx, func(q *store.Q) error {
		_, err := q.TouchSession(ctx, sess.ID, nowMS, nowMS-ActivityGranularity.Milliseconds(), abandon)
		return err
	})
}

func ageMinutes(at *int64, now int64) int {
	if at == nil {
		return -1
	}
	return int((now - *at) / 60000)
}

func needsIdentifications(tmpl map[string]any) bool {
	b, _ := json.Marshal(tmpl)
	s := string(b)
	return strings.Contains(s, "email") || strings.Contains(s, "phone")
}

// ShortcodeData is what "{{user.*}}" shortcodes can name.
func ShortcodeData(u *gatehouse.User) map[string]any {
	str := func(p *string) any {
		if p == nil {
			return nil
		}
		return *p
	}
	full := strings.TrimSpace(deref(u.FirstName) + " " + deref(u.LastName))
	user := map[string]any{"id": u.ID, "external_id": str(u.ExternalID), "first_name": str(u.FirstName), "last_name": str(u.LastName),
		"full_name": nilIfEmpty(full), "username": str(u.Username), "image_url": u.ImageURL, "has_image": u.ImageURL != "",
		"public_metadata": orEmpty(u.PublicMetadata), "unsafe_metadata": orEmpty(u.UnsafeMetadata),
		"created_at": u.CreatedAt / 1000, "updated_at": u.UpdatedAt / 1000, "two_factor_enabled": false,
		"primary_email_address": nil, "email_verified": false, "primary_phone_number": nil, "phone_number_verified": false}
	if e, ok := u.PrimaryEmail(); ok {
		user["primary_email_address"], user["email_verified"] = e.Value, e.Verified()
	}
	for _, p := range u.PhoneNumbers {
		if u.PrimaryPhoneNumberID != nil && p.ID == *u.PrimaryPhoneNumberID {
			user["primary_phone_number"], user["phone_number_verified"] = p.Value, p.Verified()
			user["primary_phone_address"] = p.Value
		}
	}
	return map[string]any{"user": user}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
