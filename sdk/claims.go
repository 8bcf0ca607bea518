package gatehouse

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Claims are a verified session token's claims (Clerk's v2 format).
type Claims struct {
	Subject         string         `json:"sub"`
	SessionID       string         `json:"sid"`
	Issuer          string         `json:"iss"`
	AuthorizedParty string         `json:"azp"`
	Expiry          int64          `json:"exp"`
	IssuedAt        int64          `json:"iat"`
	NotBefore       int64          `json:"nbf"`
	ID              string         `json:"jti"`
	Version         int            `json:"v"`
	Status          string         `json:"sts"`
	FactorAges      []int          `json:"fva"` // minutes since first and second factor; -1 = never
	Org             *OrgClaims     `json:"o"`
	Features        string         `json:"fea"` // "u:ai,o:teams"
	Plans           string         `json:"pla"` // "u:pro"
	Actor           map[string]any `json:"act"`

	payload []byte
}

// OrgClaims describe the active organization.
type OrgClaims struct {
	ID                   string `json:"id"`
	Slug                 string `json:"slg"`
	Role                 string `json:"rol"`
	Permissions          string `json:"per"` // "manage,read"
	FeaturePermissionMap string `json:"fpm"` // "3,2": per org feature, a bitmask over Permissions
}

// clone returns a copy that shares nothing mutable with c.
func (c *Claims) clone() *Claims {
	out := *c
	out.FactorAges = append([]int(nil), c.FactorAges...)
	if c.Org != nil {
		o := *c.Org
		out.Org = &o
	}
	if c.Actor != nil {
		out.Actor = make(map[string]any, len(c.Actor))
		for k, v := range c.Actor {
			out.Actor[k] = v
		}
	}
	return &out
}

// claimsCache maps a verified token's signing input to its decoded claims.
type claimsCache struct {
	mu sync.RWMutex
	m  map[string]*Claims
}

func (cc *claimsCache) get(input string) (*Claims, bool) {
	cc.mu.RLock()
	c, ok := cc.m[input]
	cc.mu.RUnlock()
	return c, ok
}

func (cc *claimsCache) put(input string, c *Claims) {
	cc.mu.Lock()
	if cc.m == nil || len(cc.m) >= 4096 {
		cc.m = make(map[string]*Claims, 256) // bounded: start over when full
	}
	cc.m[input] = c
	cc.mu.Unlock()
}

// Custom decodes the whole claim set into v (for custom session claims such
// as {"metadata": {"role": "admin"}}).
func (c *Claims) Custom(v any) error { return json.Unmarshal(c.payload, v) }

// Metadata returns the "metadata" custom claim as a map (nil when absent),
// the usual place for {{user.public_metadata}}.
func (c *Claims) Metadata() map[string]any {
	var v struct {
		Metadata map[string]any `json:"metadata"`
	}
	_ = json.Unmarshal(c.payload, &v)
	return v.Metadata
}

// OrgRole returns "org:<role>" for the active organization, or "".
func (c *Claims) OrgRole() string {
	if c.Org == nil || c.Org.Role == "" {
		return ""
	}
	return "org:" + strings.TrimPrefix(c.Org.Role, "org:")
}

func scoped(list string, scopes ...string) []string {
	var out []string
	for _, item := range strings.Split(list, ",") {
		scope, name, ok := strings.Cut(strings.TrimSpace(item), ":")
		if !ok || name == "" {
			continue
		}
		for _, s := range scopes {
			if scope == s {
				out = append(out, name)
				break
			}
		}
	}
	return out
}

// OrgPermissions expands the compact permission encoding into
// "org:<feature>:<permission>" strings, as the JS SDK does: the org-scoped
// features of "fea" (scopes o, ou, uo) in order, each paired with the
// bitmask at the same position of "o.fpm" (least significant bit = first
// permission of "o.per").
func (c *Claims) OrgPermissions() []string {
	if c.Org == nil || c.Org.Permissions == "" || c.Org.FeaturePermissionMap == "" {
		return nil
	}
	features := scoped(c.Features, "o", "ou", "uo")
	perms := strings.Split(c.Org.Permissions, ",")
	masks := strings.Split(c.Org.FeaturePermissionMap, ",")
	var out []string
	for i, f := range features {
		if i >= len(masks) {
			break
		}
		mask, err := strconv.ParseUint(strings.TrimSpace(masks[i]), 10, 64)
		if err != nil {
			continue
		}
		for j, p := range perms {
			if j < 64 && mask&(1<<uint(j)) != 0 {
				out = append(out, "org:"+f+":"+strings.TrimSpace(p))
			}
		}
	}
	return out
}

// Check is one authorization condition for Has.
type Check func(c *Claims) bool

// Role requires the active organization role ("admin" or "org:admin").
func Role(role string) Check {
	want := "org:" + strings.TrimPrefix(role, "org:")
	return func(c *Claims) bool { return c.OrgRole() == want }
}

// Permission requires an organization permission "org:<feature>:<perm>".
func Permission(perm string) Check {
	return func(c *Claims) bool {
		for _, p := range c.OrgPermissions() {
			if p == perm {
				return true
			}
		}
		return false
	}
}

// Feature requires a feature entitlement: "x" in any scope, "u:x"/"user:x"
// for the user, "o:x"/"org:x" for the organization.
func Feature(f string) Check { return entitlement(f, func(c *Claims) string { return c.Features }) }

// Plan requires a plan, with the same scope rules as Feature.
func Plan(p string) Check { return entitlement(p, func(c *Claims) string { return c.Plans }) }

func entitlement(want string, list func(*Claims) string) Check {
	scopes := []string{"u", "o", "ou", "uo"}
	name := want
	if s, n, ok := strings.Cut(want, ":"); ok {
		name = n
		switch s {
		case "u", "user":
			scopes = []string{"u", "ou", "uo"}
		case "o", "org":
			scopes = []string{"o", "ou", "uo"}
		}
	}
	return func(c *Claims) bool {
		for _, have := range scoped(list(c), scopes...) {
			if have == name {
				return true
			}
		}
		return false
	}
}

// Fresh requires the first factor to have been verified within maxAge (and,
// with secondFactor, the second too): Clerk's reverification.
func Fresh(maxAge time.Duration, secondFactor bool) Check {
	minutes := int(maxAge / time.Minute)
	return func(c *Claims) bool {
		if len(c.FactorAges) < 2 {
			return false
		}
		ok := c.FactorAges[0] >= 0 && c.FactorAges[0] <= minutes
		if secondFactor {
			ok = ok && c.FactorAges[1] >= 0 && c.FactorAges[1] <= minutes
		}
		return ok
	}
}

// Has reports whether every check passes (and a user is signed in).
func (c *Claims) Has(checks ...Check) bool {
	if c == nil || c.Subject == "" {
		return false
	}
	for _, ch := range checks {
		if !ch(c) {
			return false
		}
	}
	return true
}
