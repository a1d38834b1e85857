package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// Cookie names.
const (
	SessionCookie = "skolstat_session"
	CSRFCookie    = "skolstat_csrf"
	// CSRFField is the form field (or X-CSRF-Token header) carrying the CSRF token.
	CSRFField = "csrf"
)

// sealer signs small values with HMAC-SHA-256 so that cookies cannot be forged.
type sealer struct{ key []byte }

func (s sealer) seal(purpose string, v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	body := base64.RawURLEncoding.EncodeToString(b)
	return body + "." + s.mac(purpose, body), nil
}

func (s sealer) mac(purpose, body string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(purpose + "\x00" + body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s sealer) open(purpose, sealed string, v any) error {
	body, sig, ok := strings.Cut(sealed, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(s.mac(purpose, body))) {
		return errors.New("bad seal")
	}
	b, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// session is what the session cookie holds.
type session struct {
	Sub    string   `json:"sub"`
	Role   string   `json:"role"`
	Scopes []string `json:"scopes"`
	Exp    int64    `json:"exp"`
}

// secureRequest reports whether cookies must be Secure: always, except plain HTTP to a
// loopback host (development).
func secureRequest(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

func setCookie(c *gin.Context, name, value string, maxAge time.Duration, sameSite http.SameSite) {
	ck := &http.Cookie{
		Name: name, Value: value, Path: "/", HttpOnly: true,
		Secure: secureRequest(c.Request), SameSite: sameSite,
	}
	if maxAge < 0 {
		ck.MaxAge = -1
	} else if maxAge > 0 {
		ck.MaxAge = int(maxAge / time.Second)
		ck.Expires = time.Now().Add(maxAge)
	}
	http.SetCookie(c.Writer, ck)
}

func randomToken() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error()) // never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// csrfToken returns the request's CSRF token, setting the cookie when the request has none
// (a signed random value; forms echo it back).
func (a *Authenticator) csrfToken(c *gin.Context) string {
	if v, ok := c.Get(CSRFCookie); ok {
		return v.(string)
	}
	if ck, err := c.Request.Cookie(CSRFCookie); err == nil && a.validCSRF(ck.Value) {
		c.Set(CSRFCookie, ck.Value)
		return ck.Value
	}
	nonce := randomToken()
	tok := nonce + "." + a.seal.mac("csrf", nonce)
	setCookie(c, CSRFCookie, tok, 0, http.SameSiteStrictMode)
	c.Set(CSRFCookie, tok)
	return tok
}

func (a *Authenticator) validCSRF(tok string) bool {
	nonce, sig, ok := strings.Cut(tok, ".")
	return ok && nonce != "" && hmac.Equal([]byte(sig), []byte(a.seal.mac("csrf", nonce)))
}

// checkCSRF verifies a state-changing request's token against its cookie (double submit of a
// signed value) and, when the browser sends one, its Origin.
func (a *Authenticator) checkCSRF(c *gin.Context) error {
	ck, err := c.Request.Cookie(CSRFCookie)
	if err != nil || !a.validCSRF(ck.Value) {
		return ErrCSRF
	}
	sent := c.GetHeader("X-CSRF-Token")
	if sent == "" {
		sent = c.PostForm(CSRFField)
	}
	if subtle.ConstantTimeCompare([]byte(sent), []byte(ck.Value)) != 1 {
		return ErrCSRF
	}
	if origin := c.GetHeader("Origin"); origin != "" && origin != "null" {
		if !sameOrigin(origin, c.Request) {
			return ErrCSRF
		}
	}
	return nil
}

func sameOrigin(origin string, r *http.Request) bool {
	_, hostPart, ok := strings.Cut(origin, "://")
	return ok && hostPart == r.Host
}

// startSession sets the session cookie for p.
func (a *Authenticator) startSession(c *gin.Context, p Principal) error {
	exp := time.Now().Add(a.sessionTTL)
	v, err := a.seal.seal("session", session{Sub: p.Subject, Role: string(p.Role), Scopes: p.ScopeStrings(), Exp: exp.Unix()})
	if err != nil {
		return err
	}
	setCookie(c, SessionCookie, v, a.sessionTTL, http.SameSiteLaxMode)
	return nil
}

// sessionPrincipal returns the principal of a valid session cookie.
func (a *Authenticator) sessionPrincipal(c *gin.Context) (Principal, bool) {
	ck, err := c.Request.Cookie(SessionCookie)
	if err != nil {
		return Principal{}, false
	}
	var s session
	if err := a.seal.open("session", ck.Value, &s); err != nil || time.Now().Unix() > s.Exp {
		return Principal{}, false
	}
	p, err := principalFromClaims(s.Sub, s.Role, s.Scopes)
	return p, err == nil
}
