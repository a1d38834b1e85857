package dashboards_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/skolstat/skolstat/dashboards/auth"
)

// fakeProvider is an OpenID provider speaking the real protocol: discovery, JWKS, an
// authorisation endpoint that issues codes bound to a PKCE challenge and a nonce, and a token
// endpoint that checks the client, the redirect URI and the PKCE verifier before it signs an
// ID token.
type fakeProvider struct {
	*httptest.Server
	key      *rsa.PrivateKey
	clientID string
	secret   string
	claims   map[string]any // extra claims of the next sign-in

	mu       sync.Mutex
	codes    map[string]grant
	verified int // exchanges whose verifier matched
}

type grant struct {
	challenge, nonce, redirect string
	claims                     map[string]any
}

func newFakeProvider(t *testing.T) *fakeProvider {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &fakeProvider{key: key, clientID: "skolstat", secret: "s3cret", codes: map[string]grant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": p.URL, "authorization_endpoint": p.URL + "/authorize", "token_endpoint": p.URL + "/token",
			"jwks_uri": p.URL + "/jwks", "response_types_supported": []string{"code"},
			"subject_types_supported": []string{"public"}, "id_token_signing_alg_values_supported": []string{"RS256"},
			"code_challenge_methods_supported": []string{"S256"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("client_id") != p.clientID || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" ||
			q.Get("code_challenge") == "" || q.Get("nonce") == "" || !strings.Contains(q.Get("scope"), "openid") {
			http.Error(w, "bad authorisation request", http.StatusBadRequest)
			return
		}
		code := base64.RawURLEncoding.EncodeToString([]byte(time.Now().String()))
		p.mu.Lock()
		p.codes[code] = grant{q.Get("code_challenge"), q.Get("nonce"), q.Get("redirect_uri"), p.claims}
		p.mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?code="+url.QueryEscape(code)+"&state="+url.QueryEscape(q.Get("state")), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		p.mu.Lock()
		g, found := p.codes[r.PostForm.Get("code")]
		delete(p.codes, r.PostForm.Get("code"))
		p.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		switch {
		case id != p.clientID || secret != p.secret:
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]string{"error": "invalid_client"})
			return
		case !found || r.PostForm.Get("grant_type") != "authorization_code" || r.PostForm.Get("redirect_uri") != g.redirect ||
			base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge:
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant"})
			return
		}
		p.mu.Lock()
		p.verified++
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": "opaque", "token_type": "Bearer", "expires_in": 300,
			"id_token": p.idToken(t, p.clientID, time.Hour, g.nonce, g.claims)})
	})
	p.Server = httptest.NewServer(mux)
	t.Cleanup(p.Close)
	return p
}

// idToken signs an ID token for audience aud.
func (p *fakeProvider) idToken(t *testing.T, aud string, ttl time.Duration, nonce string, extra map[string]any) string {
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: p.key, KeyID: "k1"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	c := map[string]any{"iss": p.URL, "aud": aud, "sub": "idp-user-1", "iat": now.Unix(), "exp": now.Add(ttl).Unix()}
	if nonce != "" {
		c["nonce"] = nonce
	}
	for k, v := range extra {
		c[k] = v
	}
	tok, err := jwt.Signed(sig).Claims(c).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

func TestServer_oidcSignIn(t *testing.T) {
	prov := newFakeProvider(t)
	ts := newTestServer(t, serverOpts{oidc: &auth.OIDCConfig{Issuer: prov.URL, ClientID: prov.clientID, ClientSecret: prov.secret,
		RoleValues: map[string]auth.Role{"rektor": auth.RolePrincipal, "skolinspektionen": auth.RoleInspector}}})

	t.Run("principal signs in and sees own areas", func(t *testing.T) {
		prov.claims = map[string]any{"skolstat_role": "rektor", "skolstat_scope": "school_unit:10000001"}
		c := browser(t)
		resp, err := c.Get(ts.URL + "/auth/login?next=" + url.QueryEscape("/api/v1/areas"))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 || resp.Request.URL.Path != "/api/v1/areas" {
			t.Fatalf("ended at %s with %d", resp.Request.URL, resp.StatusCode)
		}
		var got struct {
			Areas []struct {
				Code string `json:"area_code"`
			}
		}
		json.NewDecoder(resp.Body).Decode(&got)
		var codes []string
		for _, a := range got.Areas {
			codes = append(codes, a.Code)
		}
		if strings.Join(codes, ",") != "SE,0180,K0180,10000001" {
			t.Errorf("areas %v", codes)
		}
		if prov.verified == 0 {
			t.Error("the provider never saw a matching PKCE verifier")
		}
		u, _ := url.Parse(ts.URL)
		if len(c.Jar.Cookies(u)) == 0 {
			t.Error("no session cookie")
		}
	})
	t.Run("no role claim", func(t *testing.T) {
		prov.claims = map[string]any{"skolstat_scope": "school_unit:10000001"}
		resp, err := browser(t).Get(ts.URL + "/auth/login")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("status %d, want 401", resp.StatusCode)
		}
	})
	t.Run("unmapped role value", func(t *testing.T) {
		prov.claims = map[string]any{"skolstat_role": "admin", "skolstat_scope": "all"}
		resp, err := browser(t).Get(ts.URL + "/auth/login")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("status %d, want 401", resp.StatusCode)
		}
	})
	t.Run("callback from another browser", func(t *testing.T) {
		prov.claims = map[string]any{"skolstat_role": "rektor", "skolstat_scope": "school_unit:10000001"}
		noFollow := browser(t)
		noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := noFollow.Get(ts.URL + "/auth/login")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		resp, err = noFollow.Get(resp.Header.Get("Location")) // the provider redirects back with a code
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		stolen := resp.Header.Get("Location")
		resp, err = browser(t).Get(stolen) // an attacker's browser has no flow cookie
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("status %d, want 401", resp.StatusCode)
		}
	})
	t.Run("provider bearer tokens", func(t *testing.T) {
		claims := map[string]any{"skolstat_role": "skolinspektionen", "skolstat_scope": []string{"all"}}
		status, body, _ := ts.get(t, prov.idToken(t, prov.clientID, time.Hour, "", claims), "/api/v1/statistics/passed_all/cells?area_code=20000001")
		if status != 200 {
			t.Errorf("valid provider token: %d %s", status, body)
		}
		status, body, _ = ts.get(t, prov.idToken(t, "another-client", time.Hour, "", claims), "/api/v1/statistics")
		if status != 401 || !strings.Contains(errorOf(t, body), "audience") {
			t.Errorf("other audience: %d %s", status, body)
		}
		status, body, _ = ts.get(t, prov.idToken(t, prov.clientID, -time.Minute, "", claims), "/api/v1/statistics")
		if status != 401 || !strings.Contains(errorOf(t, body), "expired") {
			t.Errorf("expired: %d %s", status, body)
		}
	})
}

func TestServer_devSignInAndCSRF(t *testing.T) {
	ts := newTestServer(t, serverOpts{})
	c := browser(t)
	resp, err := c.Get(ts.URL + "/auth/dev")
	if err != nil {
		t.Fatal(err)
	}
	var page strings.Builder
	buf := make([]byte, 64<<10)
	n, _ := resp.Body.Read(buf)
	page.Write(buf[:n])
	resp.Body.Close()
	html := page.String()
	for _, role := range []string{"principal", "organiser", "inspector", "staff"} {
		if !strings.Contains(html, `data-role="`+role+`"`) {
			t.Errorf("demo page lacks a %s", role)
		}
	}
	i := strings.Index(html, `name="csrf" value="`)
	if i < 0 {
		t.Fatal("no csrf field")
	}
	csrf := html[i+len(`name="csrf" value="`):]
	csrf = csrf[:strings.Index(csrf, `"`)]

	// Without the token: refused, nobody signed in.
	resp, err = c.PostForm(ts.URL+"/auth/dev", url.Values{"user": {"0"}, "next": {"/api/v1/areas"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("sign-in without csrf: %d, want 403", resp.StatusCode)
	}
	// A forged token: refused.
	resp, _ = c.PostForm(ts.URL+"/auth/dev", url.Values{"user": {"0"}, "csrf": {"forged.token"}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("sign-in with forged csrf: %d, want 403", resp.StatusCode)
	}
	resp, err = c.PostForm(ts.URL+"/auth/dev", url.Values{"user": {"0"}, "csrf": {csrf}, "next": {"/api/v1/areas"}})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Areas []struct {
			Code string `json:"area_code"`
		}
	}
	json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(got.Areas) == 0 {
		t.Fatalf("after demo sign-in: %d %v", resp.StatusCode, got)
	}
	// Sign-out needs the token too.
	resp, _ = c.PostForm(ts.URL+"/auth/logout", url.Values{})
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-out without csrf: %d, want 403", resp.StatusCode)
	}
	noFollow := *c
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, _ = noFollow.PostForm(ts.URL+"/auth/logout", url.Values{"csrf": {csrf}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("sign-out: %d", resp.StatusCode)
	}
	resp, _ = c.Get(ts.URL + "/api/v1/areas")
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("after sign-out: %d, want 401", resp.StatusCode)
	}
}
