package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gin-gonic/gin"
	"golang.org/x/oauth2"

	"github.com/skolstat/skolstat/etl/snapshot"
)

// OIDCConfig configures sign-in with an OpenID Connect provider and the mapping of its claims
// to role and scope.
type OIDCConfig struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is this server's callback, e.g. https://skolstat.example/auth/callback.
	RedirectURL string
	// Scopes requested besides openid (default profile).
	Scopes []string
	// RoleClaim names the claim holding the role (default "skolstat_role").
	RoleClaim string
	// ScopeClaim names the claim holding the scopes, a string or a list (default "skolstat_scope").
	ScopeClaim string
	// RoleValues maps the provider's role values to roles; empty means the values are role
	// names already. A value missing from a non-empty map means no role.
	RoleValues map[string]Role
}

// Config configures an Authenticator.
type Config struct {
	// SessionKey signs session and CSRF cookies (at least 32 bytes).
	SessionKey []byte
	// SessionTTL is how long a browser session lasts (default 8 h).
	SessionTTL time.Duration
	// Dev, when set, accepts development tokens and shows the demo users page (--dev-auth).
	Dev *DevTokens
	// OIDC, when set, enables sign-in with that provider and its bearer tokens.
	OIDC *OIDCConfig
	// Areas returns the current snapshot's areas (demo users are scoped to real areas).
	Areas func() []snapshot.Area
	// Logger receives authentication failures (never tokens).
	Logger *slog.Logger
}

// Authenticator identifies the principal of each request and serves the sign-in routes.
type Authenticator struct {
	seal       sealer
	sessionTTL time.Duration
	dev        *DevTokens
	oidc       *OIDCConfig
	oauth      *oauth2.Config
	verifier   *oidc.IDTokenVerifier
	areas      func() []snapshot.Area
	log        *slog.Logger
	devPage    *template.Template
	tokens     tokenCache
}

// New builds an Authenticator; with OIDC it fetches the provider's discovery document.
func New(ctx context.Context, cfg Config) (*Authenticator, error) {
	if len(cfg.SessionKey) < 32 {
		return nil, errors.New("new authenticator: session key shorter than 32 bytes")
	}
	a := &Authenticator{
		seal: sealer{key: cfg.SessionKey}, sessionTTL: cfg.SessionTTL, dev: cfg.Dev,
		oidc: cfg.OIDC, areas: cfg.Areas, log: cfg.Logger,
	}
	if a.sessionTTL <= 0 {
		a.sessionTTL = 8 * time.Hour
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.areas == nil {
		a.areas = func() []snapshot.Area { return nil }
	}
	tpl, err := template.New("dev").Parse(devPageHTML)
	if err != nil {
		return nil, fmt.Errorf("new authenticator: %w", err)
	}
	a.devPage = tpl
	if o := cfg.OIDC; o != nil {
		if o.Issuer == "" || o.ClientID == "" || o.RedirectURL == "" {
			return nil, errors.New("new authenticator: oidc needs issuer, client id and redirect url")
		}
		if o.RoleClaim == "" {
			o.RoleClaim = "skolstat_role"
		}
		if o.ScopeClaim == "" {
			o.ScopeClaim = "skolstat_scope"
		}
		prov, err := oidc.NewProvider(ctx, o.Issuer)
		if err != nil {
			return nil, fmt.Errorf("new authenticator: oidc discovery: %w", err)
		}
		scopes := append([]string{oidc.ScopeOpenID}, o.Scopes...)
		if len(o.Scopes) == 0 {
			scopes = append(scopes, "profile")
		}
		a.oauth = &oauth2.Config{ClientID: o.ClientID, ClientSecret: o.ClientSecret,
			RedirectURL: o.RedirectURL, Endpoint: prov.Endpoint(), Scopes: scopes}
		a.verifier = prov.Verifier(&oidc.Config{ClientID: o.ClientID})
	}
	return a, nil
}

// authKey stores the Authenticator in the gin context (for CSRFToken).
const authKey = "skolstat.auth"

// Middleware identifies the request's principal from a bearer token or the session cookie.
// A request with a bearer token that fails verification is answered 401 with a JSON reason.
// A request without credentials goes on anonymous: handlers decide (deny by default).
func (a *Authenticator) Middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Set(authKey, a)
		if h := c.GetHeader("Authorization"); h != "" {
			scheme, tok, _ := strings.Cut(h, " ")
			if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
				a.deny(c, fmt.Errorf("authorization header is not a bearer token: %w", ErrUnauthenticated))
				return
			}
			p, err := a.bearerPrincipal(c.Request.Context(), strings.TrimSpace(tok))
			if err != nil {
				a.deny(c, err)
				return
			}
			SetPrincipal(c, p)
			c.Set(bearerKey, true)
			c.Next()
			return
		}
		if p, ok := a.sessionPrincipal(c); ok {
			SetPrincipal(c, p)
		}
		c.Next()
	}
}

const bearerKey = "skolstat.bearer"

func (a *Authenticator) deny(c *gin.Context, err error) {
	reason := strings.TrimSuffix(err.Error(), ": "+ErrUnauthenticated.Error())
	a.log.Info("authentication failed", "reason", reason, "path", c.Request.URL.Path)
	c.Header("WWW-Authenticate", `Bearer realm="skolstat"`)
	c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": reason})
}

// bearerPrincipal verifies a bearer token, remembering a verified one until it expires (at
// most five minutes) so that a client's repeated calls do not pay for the signature again.
func (a *Authenticator) bearerPrincipal(ctx context.Context, tok string) (Principal, error) {
	now := time.Now()
	if p, ok := a.tokens.get(tok, now); ok {
		return p, nil
	}
	p, exp, err := a.verifyBearer(ctx, tok)
	if err != nil {
		return Principal{}, err
	}
	if limit := now.Add(5 * time.Minute); exp.IsZero() || exp.After(limit) {
		exp = limit
	}
	a.tokens.put(tok, p, exp)
	return p, nil
}

// verifyBearer accepts development tokens (with --dev-auth) and the provider's signed tokens
// for this client.
func (a *Authenticator) verifyBearer(ctx context.Context, tok string) (Principal, time.Time, error) {
	var devErr error
	if a.dev != nil {
		p, exp, err := a.dev.verify(tok)
		if err == nil {
			return p, exp, nil
		}
		devErr = err
	}
	if a.verifier != nil {
		idt, err := a.verifier.Verify(ctx, tok)
		if err != nil {
			if devErr != nil && !strings.HasPrefix(devErr.Error(), "malformed") && !strings.HasPrefix(devErr.Error(), "bad token signature") {
				return Principal{}, time.Time{}, devErr
			}
			var exp *oidc.TokenExpiredError
			if errors.As(err, &exp) {
				return Principal{}, time.Time{}, fmt.Errorf("token expired: %w", ErrUnauthenticated)
			}
			if strings.Contains(err.Error(), "audience") {
				return Principal{}, time.Time{}, fmt.Errorf("token for another audience: %w", ErrUnauthenticated)
			}
			return Principal{}, time.Time{}, fmt.Errorf("invalid token: %w", ErrUnauthenticated)
		}
		p, err := a.principalFromIDToken(idt)
		return p, idt.Expiry, err
	}
	if devErr != nil {
		return Principal{}, time.Time{}, devErr
	}
	return Principal{}, time.Time{}, fmt.Errorf("bearer tokens are not accepted by this server: %w", ErrUnauthenticated)
}

// principalFromIDToken maps the provider's claims to a principal.
func (a *Authenticator) principalFromIDToken(idt *oidc.IDToken) (Principal, error) {
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return Principal{}, fmt.Errorf("unreadable token claims: %w", ErrUnauthenticated)
	}
	roles := claimStrings(claims[a.oidc.RoleClaim])
	role := ""
	if len(roles) > 0 {
		role = roles[0]
		if len(a.oidc.RoleValues) > 0 {
			role = string(a.oidc.RoleValues[roles[0]])
		}
	}
	return principalFromClaims(idt.Subject, role, claimStrings(claims[a.oidc.ScopeClaim]))
}

// claimStrings reads a claim that is a string (space or comma separated) or a list of strings.
func claimStrings(v any) []string {
	switch t := v.(type) {
	case string:
		return strings.FieldsFunc(t, func(r rune) bool { return r == ' ' || r == ',' })
	case []any:
		var out []string
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// CSRF rejects state-changing requests (POST, PUT, PATCH, DELETE) of browsers without a valid
// CSRF token (form field "csrf" or header X-CSRF-Token). Requests authenticated by a bearer
// token carry no ambient credentials and are exempt.
func (a *Authenticator) CSRF() gin.HandlerFunc {
	return func(c *gin.Context) {
		switch c.Request.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			c.Next()
			return
		}
		if c.GetBool(bearerKey) {
			c.Next()
			return
		}
		if err := a.checkCSRF(c); err != nil {
			a.log.Info("csrf check failed", "path", c.Request.URL.Path)
			c.AbortWithStatusJSON(http.StatusForbidden, gin.H{"error": err.Error()})
			return
		}
		c.Next()
	}
}

// CSRFToken returns the token that a form of this request must send back in field "csrf"
// (it sets the CSRF cookie when needed). It returns "" outside the Authenticator's middleware.
func CSRFToken(c *gin.Context) string {
	v, ok := c.Get(authKey)
	if !ok {
		return ""
	}
	return v.(*Authenticator).csrfToken(c)
}

// LoginURL returns the sign-in address that comes back to next (a local path) afterwards.
func LoginURL(next string) string {
	return "/auth/login?next=" + url.QueryEscape(localPath(next))
}

// localPath keeps only a same-origin path, "/" otherwise (no open redirect).
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return "/"
	}
	return p
}

// Register adds the sign-in routes: GET /auth/login, GET /auth/callback (OIDC), POST
// /auth/logout, and with development tokens GET and POST /auth/dev (the demo users).
func (a *Authenticator) Register(r gin.IRouter) {
	r.GET("/auth/login", a.login)
	r.GET("/auth/callback", a.callback)
	r.POST("/auth/logout", a.logout)
	if a.dev != nil {
		r.GET("/auth/dev", a.devUsers)
		r.POST("/auth/dev", a.devSignIn)
	}
}

func (a *Authenticator) login(c *gin.Context) {
	next := localPath(c.Query("next"))
	if a.oauth == nil {
		if a.dev != nil {
			c.Redirect(http.StatusFound, "/auth/dev?next="+url.QueryEscape(next))
			return
		}
		c.AbortWithStatusJSON(http.StatusNotFound, gin.H{"error": "no sign-in method is configured"})
		return
	}
	st := flowState{State: randomToken(), Nonce: randomToken(), Verifier: oauth2.GenerateVerifier(), Next: next,
		Exp: time.Now().Add(10 * time.Minute).Unix()}
	v, err := a.seal.seal("flow", st)
	if err != nil {
		c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": "internal error"})
		return
	}
	setCookie(c, flowCookie, v, 10*time.Minute, http.SameSiteLaxMode)
	c.Redirect(http.StatusFound, a.oauth.AuthCodeURL(st.State, oauth2.S256ChallengeOption(st.Verifier), oidc.Nonce(st.Nonce)))
}

const flowCookie = "skolstat_oidc"

// flowState is what the browser carries between login and callback.
type flowState struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"next"`
	Exp      int64  `json:"exp"`
}

func (a *Authenticator) callback(c *gin.Context) {
	if a.oauth == nil {
		c.AbortWithStatusJSON(http.StatusNotFound, gin.H{"error": "no sign-in provider is configured"})
		return
	}
	fail := func(reason string, err error) {
		a.log.Info("sign-in failed", "reason", reason, "err", err)
		c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": reason})
	}
	ck, err := c.Request.Cookie(flowCookie)
	var st flowState
	if err != nil || a.seal.open("flow", ck.Value, &st) != nil || time.Now().Unix() > st.Exp {
		fail("sign-in expired or was not started here", err)
		return
	}
	setCookie(c, flowCookie, "", -1, http.SameSiteLaxMode)
	if e := c.Query("error"); e != "" {
		fail("the identity provider refused the sign-in", errors.New(e))
		return
	}
	if q := c.Query("state"); q == "" || q != st.State {
		fail("state mismatch", nil)
		return
	}
	ctx := c.Request.Context()
	tok, err := a.oauth.Exchange(ctx, c.Query("code"), oauth2.VerifierOption(st.Verifier))
	if err != nil {
		fail("code exchange failed", err)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		fail("the identity provider sent no id token", nil)
		return
	}
	idt, err := a.verifier.Verify(ctx, raw)
	if err != nil {
		fail("invalid id token", err)
		return
	}
	if idt.Nonce != st.Nonce {
		fail("nonce mismatch", nil)
		return
	}
	p, err := a.principalFromIDToken(idt)
	if err != nil {
		fail(strings.TrimSuffix(err.Error(), ": "+ErrUnauthenticated.Error()), nil)
		return
	}
	if err := a.startSession(c, p); err != nil {
		c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": "internal error"})
		return
	}
	a.log.Info("signed in", "sub", p.Subject, "role", p.Role)
	c.Redirect(http.StatusFound, st.Next)
}

func (a *Authenticator) logout(c *gin.Context) {
	setCookie(c, SessionCookie, "", -1, http.SameSiteLaxMode)
	c.Redirect(http.StatusSeeOther, "/")
}

// DemoUser is one development user offered on the demo sign-in page.
type DemoUser struct {
	Principal Principal
	Label     string
}

// DemoUsers returns one user per role scoped to real areas of areas: a principal of the first
// school unit, its organiser, an inspector over all, and platform staff.
func DemoUsers(areas []snapshot.Area) []DemoUser {
	var unit snapshot.Area
	for _, a := range areas {
		if a.Level == snapshot.LevelSchoolUnit && a.OrganiserID != "" {
			unit = a
			break
		}
	}
	var out []DemoUser
	if unit.Code != "" {
		out = append(out, DemoUser{Principal{Subject: "demo-rektor", Role: RolePrincipal,
			Scopes: []Scope{{snapshot.LevelSchoolUnit, unit.Code}}}, "Rektor / principal – " + unit.Name})
		org := unit.OrganiserID
		for _, a := range areas {
			if a.Level == snapshot.LevelOrganiser && a.Code == unit.OrganiserID {
				org = a.Name
			}
		}
		out = append(out, DemoUser{Principal{Subject: "demo-huvudman", Role: RoleOrganiser,
			Scopes: []Scope{{snapshot.LevelOrganiser, unit.OrganiserID}}}, "Huvudman / organiser – " + org})
	}
	out = append(out,
		DemoUser{Principal{Subject: "demo-granskare", Role: RoleInspector, Scopes: []Scope{{Level: ScopeAll}}},
			"Skolinspektionen / inspector – alla / all"},
		DemoUser{Principal{Subject: "demo-plattform", Role: RolePlatformStaff, Scopes: []Scope{{Level: ScopeAll}}},
			"Plattformen / platform staff – riket / nation"})
	return out
}

func (a *Authenticator) devUsers(c *gin.Context) {
	type row struct {
		Index int
		Label string
		Role  string
		Scope string
	}
	var rows []row
	for i, u := range DemoUsers(a.areas()) {
		rows = append(rows, row{i, u.Label, string(u.Principal.Role), strings.Join(u.Principal.ScopeStrings(), " ")})
	}
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	c.Header("Content-Type", "text/html; charset=utf-8")
	err := a.devPage.Execute(c.Writer, map[string]any{"Users": rows, "CSRF": a.csrfToken(c), "Next": localPath(c.Query("next"))})
	if err != nil {
		a.log.Error("render demo users", "err", err)
	}
}

func (a *Authenticator) devSignIn(c *gin.Context) {
	users := DemoUsers(a.areas())
	var i int
	if _, err := fmt.Sscan(c.PostForm("user"), &i); err != nil || i < 0 || i >= len(users) {
		c.AbortWithStatusJSON(http.StatusBadRequest, gin.H{"error": "unknown demo user"})
		return
	}
	if err := a.startSession(c, users[i].Principal); err != nil {
		c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": "internal error"})
		return
	}
	c.Redirect(http.StatusSeeOther, localPath(c.PostForm("next")))
}

// SessionKey returns 32 random bytes for a process-local session key.
func SessionKey() []byte {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return b
}

const devPageHTML = `<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><title>Logga in (demo) – skolstat</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main>
<h1>Logga in som demoanvändare <span lang="en">/ Sign in as a demo user</span></h1>
<p>Utvecklingsläge (--dev-auth). <span lang="en">Development mode.</span></p>
<ul>
{{range .Users}}<li><form method="post" action="/auth/dev">
<input type="hidden" name="csrf" value="{{$.CSRF}}">
<input type="hidden" name="next" value="{{$.Next}}">
<input type="hidden" name="user" value="{{.Index}}">
<button type="submit" data-role="{{.Role}}">{{.Label}}</button> <small>{{.Role}} {{.Scope}}</small>
</form></li>
{{end}}</ul>
</main></body></html>
`
