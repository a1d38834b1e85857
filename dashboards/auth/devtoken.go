package auth

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Development tokens: HS256 JWTs signed with DATA/dev-token.key, accepted only with --dev-auth.
const (
	// DevKeyFile is the signing key's file name inside the data directory.
	DevKeyFile = "dev-token.key"
	// DevIssuer and DevAudience are the iss and aud of every development token.
	DevIssuer   = "skolstat-dev"
	DevAudience = "skolstat"
)

// LoadOrCreateKey reads the 32-byte key at path, creating it (0600) with random bytes when
// it does not exist.
func LoadOrCreateKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if len(b) < 32 {
			return nil, fmt.Errorf("key %s is too short (%d bytes)", path, len(b))
		}
		return b, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read key: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("create key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) { // created by someone else meanwhile
		return LoadOrCreateKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("create key: %w", err)
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		return nil, fmt.Errorf("create key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("create key: %w", err)
	}
	return key, f.Close()
}

// tokenClaims are the claims of a development token.
type tokenClaims struct {
	jwt.Claims
	Role  string   `json:"role,omitempty"`
	Scope []string `json:"scope,omitempty"`
}

// DevTokens issues and verifies development tokens.
type DevTokens struct {
	key []byte
	now func() time.Time
}

// NewDevTokens returns an issuer/verifier for key.
func NewDevTokens(key []byte) *DevTokens {
	return &DevTokens{key: key, now: time.Now}
}

// Issue signs a token for p valid for ttl.
func (d *DevTokens) Issue(p Principal, ttl time.Duration) (string, error) {
	if err := p.Validate(); err != nil {
		return "", fmt.Errorf("issue token: %w", err)
	}
	if ttl <= 0 {
		return "", errors.New("issue token: ttl must be positive")
	}
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: d.key},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", fmt.Errorf("issue token: %w", err)
	}
	now := d.now()
	c := tokenClaims{
		Claims: jwt.Claims{
			Issuer: DevIssuer, Subject: p.Subject, Audience: jwt.Audience{DevAudience},
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)),
			Expiry: jwt.NewNumericDate(now.Add(ttl)),
		},
		Role:  string(p.Role),
		Scope: p.ScopeStrings(),
	}
	tok, err := jwt.Signed(sig).Claims(c).Serialize()
	if err != nil {
		return "", fmt.Errorf("issue token: %w", err)
	}
	return tok, nil
}

// Verify checks a token's signature, issuer, audience and times and returns its principal.
// Every failure wraps ErrUnauthenticated with a reason fit for the client.
func (d *DevTokens) Verify(raw string) (Principal, error) {
	p, _, err := d.verify(raw)
	return p, err
}

// verify is Verify that also returns the token's expiry.
func (d *DevTokens) verify(raw string) (Principal, time.Time, error) {
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.HS256})
	if err != nil {
		return Principal{}, time.Time{}, fmt.Errorf("malformed token: %w", ErrUnauthenticated)
	}
	var c tokenClaims
	if err := tok.Claims(d.key, &c); err != nil {
		return Principal{}, time.Time{}, fmt.Errorf("bad token signature: %w", ErrUnauthenticated)
	}
	err = c.Claims.ValidateWithLeeway(jwt.Expected{Issuer: DevIssuer, AnyAudience: jwt.Audience{DevAudience}, Time: d.now()}, 30*time.Second)
	switch {
	case errors.Is(err, jwt.ErrExpired):
		return Principal{}, time.Time{}, fmt.Errorf("token expired: %w", ErrUnauthenticated)
	case errors.Is(err, jwt.ErrInvalidAudience):
		return Principal{}, time.Time{}, fmt.Errorf("token for another audience: %w", ErrUnauthenticated)
	case err != nil:
		return Principal{}, time.Time{}, fmt.Errorf("invalid token claims: %w", ErrUnauthenticated)
	}
	if c.Claims.Expiry == nil {
		return Principal{}, time.Time{}, fmt.Errorf("token without expiry: %w", ErrUnauthenticated)
	}
	p, err := principalFromClaims(c.Subject, c.Role, c.Scope)
	return p, c.Claims.Expiry.Time(), err
}

// principalFromClaims builds and checks a principal from mapped claim values.
func principalFromClaims(sub, role string, scopes []string) (Principal, error) {
	if sub == "" {
		return Principal{}, fmt.Errorf("token without subject: %w", ErrUnauthenticated)
	}
	if role == "" {
		return Principal{}, fmt.Errorf("token without role: %w", ErrUnauthenticated)
	}
	r, err := ParseRole(role)
	if err != nil {
		return Principal{}, fmt.Errorf("token with unknown role: %w", ErrUnauthenticated)
	}
	p := Principal{Subject: sub, Role: r}
	for _, s := range scopes {
		sc, err := ParseScope(s)
		if err != nil {
			return Principal{}, fmt.Errorf("token with malformed scope: %w", ErrUnauthenticated)
		}
		p.Scopes = append(p.Scopes, sc)
	}
	if err := p.Validate(); err != nil {
		return Principal{}, fmt.Errorf("token with scope unfit for its role: %w", ErrUnauthenticated)
	}
	return p, nil
}
