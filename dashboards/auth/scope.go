package auth

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/skolstat/skolstat/etl/snapshot"
)

// Errors a caller maps to a status.
var (
	// ErrUnauthenticated reports a missing, malformed, expired or badly signed credential (401).
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrForbidden reports a signed-in principal asking for what no scope of theirs allows (403).
	ErrForbidden = errors.New("forbidden")
	// ErrCSRF reports a state-changing form without a valid CSRF token (403).
	ErrCSRF = errors.New("missing or invalid csrf token")
)

// ScopeAll is the scope level granting every area (inspectors).
const ScopeAll = "all"

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RolePrincipal, RoleOrganiser, RoleInspector, RolePlatformStaff:
		return r, nil
	}
	return "", fmt.Errorf("unknown role %q (want principal, organiser, inspector or staff)", s)
}

// ParseScope parses "all", "nation", "school_unit:X", "organiser:X" or "municipality:X".
func ParseScope(s string) (Scope, error) {
	s = strings.TrimSpace(s)
	switch s {
	case ScopeAll:
		return Scope{Level: ScopeAll}, nil
	case snapshot.LevelNation:
		return Scope{Level: snapshot.LevelNation, Code: snapshot.NationCode}, nil
	}
	level, code, ok := strings.Cut(s, ":")
	if !ok || code == "" || strings.ContainsAny(code, " \t\n,") {
		return Scope{}, fmt.Errorf("malformed scope %q (want all, school_unit:X, organiser:X or municipality:X)", s)
	}
	switch level {
	case snapshot.LevelSchoolUnit, snapshot.LevelOrganiser, snapshot.LevelMunicipality:
		return Scope{Level: level, Code: code}, nil
	}
	return Scope{}, fmt.Errorf("unknown scope level %q", level)
}

// ParseScopes parses a list of scopes separated by commas or spaces.
func ParseScopes(s string) ([]Scope, error) {
	var out []Scope
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		sc, err := ParseScope(f)
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, nil
}

// String formats a scope as ParseScope reads it.
func (s Scope) String() string {
	if s.Level == ScopeAll {
		return ScopeAll
	}
	return s.Level + ":" + s.Code
}

// ScopeStrings formats a principal's scopes.
func (p Principal) ScopeStrings() []string {
	out := make([]string, len(p.Scopes))
	for i, s := range p.Scopes {
		out[i] = s.String()
	}
	return out
}

// Validate checks that the principal has a known role and scopes that fit it.
func (p Principal) Validate() error {
	if p.Subject == "" {
		return errors.New("principal without subject")
	}
	if _, err := ParseRole(string(p.Role)); err != nil {
		return err
	}
	for _, s := range p.Scopes {
		if s.Level == ScopeAll && p.Role != RoleInspector && p.Role != RolePlatformStaff {
			return fmt.Errorf("scope all is for inspectors and staff, not %s", p.Role)
		}
	}
	return nil
}

// principalKey is the gin context key of the signed-in principal.
const principalKey = "skolstat.principal"

// FromContext returns the signed-in principal of the request, if any.
func FromContext(c *gin.Context) (Principal, bool) {
	v, ok := c.Get(principalKey)
	if !ok {
		return Principal{}, false
	}
	p, ok := v.(Principal)
	return p, ok
}

// SetPrincipal records the signed-in principal of the request (the authentication middleware
// does this; tests may too).
func SetPrincipal(c *gin.Context, p Principal) { c.Set(principalKey, p) }
