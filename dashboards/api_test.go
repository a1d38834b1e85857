package dashboards_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/xuri/excelize/v2"

	"github.com/skolstat/skolstat/dashboards/auth"
	"github.com/skolstat/skolstat/dashboards/download"
	"github.com/skolstat/skolstat/dashboards/testsnap"
)

func TestServer_badInput(t *testing.T) {
	ts := newTestServer(t, serverOpts{})
	tok := ts.token(t, auth.RoleInspector, "all")
	const cells = "/api/v1/statistics/passed_all/cells"
	tests := []struct {
		name, path string
		want       int
		reason     string
	}{
		{"unknown statistic", "/api/v1/statistics/nope/cells", 404, "unknown statistic"},
		{"unknown statistic csv", "/api/v1/statistics/nope/cells.csv", 404, "unknown statistic"},
		{"unknown area", cells + "?area_code=99999999", 404, "unknown area"},
		{"unknown period", cells + "?period=VT1999", 400, "period"},
		{"unknown gender", cells + "?gender=X", 400, "gender"},
		{"unknown measure", cells + "?measure=median", 400, "measure"},
		{"grade not a number", cells + "?grade_level=nine", 400, "grade_level"},
		{"unknown level", cells + "?area_level=county", 400, "area_level"},
		{"dimension the statistic lacks", cells + "?subject=MA", 400, "subject"},
		{"repeated parameter", cells + "?period=VT2024&period=VT2025", 400, "repeated"},
		{"unknown parameter", cells + "?colour=red", 400, "unknown query parameter"},
		{"malformed escape", cells + "?period=%zz", 400, "malformed"},
		{"control character", cells + "?period=VT2024%00", 400, "malformed"},
		{"unknown format", cells + "?format=pdf", 400, "format"},
		{"format contradicting path", cells + ".csv?format=xlsx", 400, "format"},
		{"unknown area level on areas", "/api/v1/areas?area_level=county", 400, "area_level"},
		{"parameter on snapshot", "/api/v1/snapshot?x=1", 400, "unknown query parameter"},
		{"unknown route", "/api/v1/nope", 404, "not found"},
		{"oversized URL", cells + "?period=" + strings.Repeat("V", 5000), 414, "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, _ := ts.get(t, tok, tt.path)
			if status != tt.want {
				t.Fatalf("status %d, want %d: %s", status, tt.want, body)
			}
			if msg := errorOf(t, body); !strings.Contains(msg, tt.reason) {
				t.Errorf("reason %q does not mention %q", msg, tt.reason)
			}
		})
	}
	t.Run("oversized body", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/auth/logout", bytes.NewReader(make([]byte, 1<<20)))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d, want 413", resp.StatusCode)
		}
	})
	t.Run("oversized header", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+cells, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("X-Big", strings.Repeat("a", 2<<20))
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("status %d, want 431", resp.StatusCode)
		}
	})
}

func TestServer_badTokens(t *testing.T) {
	ts := newTestServer(t, serverOpts{})
	key, err := auth.LoadOrCreateKey(ts.dataDir + "/dev-token.key")
	if err != nil {
		t.Fatal(err)
	}
	sign := func(k []byte, c map[string]any) string {
		s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: k}, nil)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := jwt.Signed(s).Claims(c).Serialize()
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	now := time.Now()
	claims := func(mod func(map[string]any)) map[string]any {
		c := map[string]any{"iss": auth.DevIssuer, "aud": auth.DevAudience, "sub": "x", "role": "inspector",
			"scope": []string{"all"}, "exp": now.Add(time.Hour).Unix(), "iat": now.Unix()}
		mod(c)
		return c
	}
	other := bytes.Repeat([]byte{7}, 32)
	tests := []struct {
		name, token, reason string
	}{
		{"expired", sign(key, claims(func(c map[string]any) { c["exp"] = now.Add(-time.Hour).Unix() })), "expired"},
		{"badly signed", sign(other, claims(func(map[string]any) {})), "signature"},
		{"other audience", sign(key, claims(func(c map[string]any) { c["aud"] = "someone-else" })), "audience"},
		{"without role", sign(key, claims(func(c map[string]any) { delete(c, "role") })), "role"},
		{"unknown role", sign(key, claims(func(c map[string]any) { c["role"] = "admin" })), "role"},
		{"without expiry", sign(key, claims(func(c map[string]any) { delete(c, "exp") })), "expiry"},
		{"garbage", "not.a.token", "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, h := ts.get(t, tt.token, "/api/v1/statistics/passed_all/cells")
			if status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401: %s", status, body)
			}
			if msg := errorOf(t, body); !strings.Contains(msg, tt.reason) {
				t.Errorf("reason %q, want it to mention %q", msg, tt.reason)
			}
			if h.Get("WWW-Authenticate") == "" {
				t.Error("no WWW-Authenticate header")
			}
		})
	}
	t.Run("basic auth", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/api/v1/statistics", nil)
		req.SetBasicAuth("a", "b")
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("status %d, want 401", resp.StatusCode)
		}
	})
}

func TestServer_securityHeaders(t *testing.T) {
	ts := newTestServer(t, serverOpts{})
	tok := ts.token(t, auth.RoleInspector, "all")
	for _, path := range []string{"/healthz", "/api/v1/statistics", "/api/v1/nope", "/nope", "/auth/dev", "/api/v1/statistics/passed_all/cells.csv"} {
		t.Run(path, func(t *testing.T) {
			_, _, h := ts.get(t, tok, path)
			csp := h.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "connect-src 'self'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %q", csp, want)
				}
			}
			if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "http") {
				t.Errorf("CSP %q allows inline or another origin", csp)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
				t.Errorf("headers %v", h)
			}
		})
	}
}

func TestServer_readiness(t *testing.T) {
	ts := newTestServer(t, serverOpts{noSnapshot: true})
	tok := ts.token(t, auth.RoleInspector, "all")
	if status, _, _ := ts.get(t, "", "/healthz"); status != 200 {
		t.Errorf("healthz %d", status)
	}
	if status, _, _ := ts.get(t, "", "/readyz"); status != http.StatusServiceUnavailable {
		t.Errorf("readyz without snapshot %d, want 503", status)
	}
	status, body, _ := ts.get(t, tok, "/api/v1/statistics/passed_all/cells")
	if status != http.StatusServiceUnavailable {
		t.Errorf("cells without snapshot %d, want 503", status)
	}
	errorOf(t, body)
	ctx := context.Background()
	if _, err := testsnap.Publish(ctx, ts.dataDir, "run1", 0); err != nil {
		t.Fatal(err)
	}
	if err := ts.store.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := ts.get(t, "", "/readyz"); status != 200 {
		t.Errorf("readyz after publish %d, want 200", status)
	}
	status, body, _ = ts.get(t, "", "/metrics")
	if status != 200 || !bytes.Contains(body, []byte("skolstat_snapshot_age_seconds")) ||
		!bytes.Contains(body, []byte(`skolstat_http_request_duration_seconds_bucket{method="GET",route="/api/v1/statistics/:id/cells",status="503"`)) {
		t.Errorf("metrics %d lack the snapshot age or the route histogram", status)
	}
}

func TestServer_cells(t *testing.T) {
	ts := newTestServer(t, serverOpts{})
	tok := ts.token(t, auth.RolePrincipal, "school_unit:10000001")
	status, body, _ := ts.get(t, tok, "/api/v1/statistics/passed_all/cells?area_code=10000001&period=VT2025&grade_level=all&gender=F,M&measure=share")
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	var got cellsAnswer
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Returned != 2 || len(got.Cells) != 2 || got.RunID != "run1" {
		t.Fatalf("got %+v", got)
	}
	for _, c := range got.Cells {
		if c.Grade != nil || c.Gender == nil || c.Value == nil || c.Period != "VT2025" {
			t.Errorf("cell %+v does not match the filter", c)
		}
	}
	// A principal of the organiser sees the suppressed gender cells of another school as hidden.
	tok = ts.token(t, auth.RoleOrganiser, "organiser:K0180")
	_, body, _ = ts.get(t, tok, "/api/v1/statistics/passed_all/cells?area_code=10000002&gender=F")
	json.Unmarshal(body, &got)
	if got.Returned == 0 || got.Hidden != got.Returned {
		t.Errorf("returned %d hidden %d, want all hidden", got.Returned, got.Hidden)
	}
	for _, c := range got.Cells {
		if c.Value != nil || (c.Display != ".." && c.Display != "1–9") {
			t.Errorf("hidden cell shows %v %q", c.Value, c.Display)
		}
	}
}

func TestServer_downloads(t *testing.T) {
	ts := newTestServer(t, serverOpts{})
	tok := ts.token(t, auth.RoleOrganiser, "organiser:K0180")
	const q = "?area_code=10000001,10000002&period=VT2025&grade_level=all"
	_, jsonBody, _ := ts.get(t, tok, "/api/v1/statistics/passed_all/cells"+q)
	var want cellsAnswer
	json.Unmarshal(jsonBody, &want)

	status, body, h := ts.get(t, tok, "/api/v1/statistics/passed_all/cells.csv"+q)
	if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") ||
		!strings.Contains(h.Get("Content-Disposition"), "attachment") {
		t.Fatalf("csv: %d %v", status, h)
	}
	if !bytes.HasPrefix(body, []byte("\xEF\xBB\xBF")) {
		t.Fatal("csv has no UTF-8 byte order mark")
	}
	r := csv.NewReader(bytes.NewReader(body[3:]))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != strings.Join(download.Columns, ",") {
		t.Errorf("header %v", rows[0])
	}
	if len(rows)-1 != want.Returned {
		t.Fatalf("csv rows %d, json cells %d", len(rows)-1, want.Returned)
	}
	sawComma := false
	for i, row := range rows[1:] {
		c := want.Cells[i]
		if row[3] != c.AreaCode || row[10] != c.Display || row[11] != c.Status {
			t.Errorf("row %d = %v, want %+v", i, row, c)
		}
		if c.Value == nil && row[9] != "" {
			t.Errorf("hidden cell has value %q in csv", row[9])
		}
		if c.Value != nil && strings.Contains(row[9], ",") {
			sawComma = true
		}
		if strings.Contains(row[9], ".") {
			t.Errorf("value %q uses a decimal point", row[9])
		}
	}
	if !sawComma {
		t.Error("no value with a decimal comma")
	}

	status, body, h = ts.get(t, tok, "/api/v1/statistics/passed_all/cells"+q+"&format=xlsx")
	if status != 200 || h.Get("Content-Type") != download.ContentType("xlsx") {
		t.Fatalf("xlsx: %d %v", status, h)
	}
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	xrows, err := f.GetRows("cells")
	if err != nil {
		t.Fatal(err)
	}
	if len(xrows)-1 != want.Returned || xrows[0][0] != "statistic" || xrows[0][11] != "status" {
		t.Fatalf("xlsx rows %d header %v, want %d cells", len(xrows)-1, xrows[0], want.Returned)
	}
	for i, c := range want.Cells {
		cell, _ := excelize.CoordinatesToCellName(10, i+2)
		v, _ := f.GetCellValue("cells", cell)
		if (c.Value == nil) != (v == "") {
			t.Errorf("xlsx value %q for cell %+v", v, c)
		}
	}
}

func TestServer_snapshotSwapUnderLoad(t *testing.T) {
	ts := newTestServer(t, serverOpts{})
	tok := ts.token(t, auth.RoleInspector, "all")
	ctx := context.Background()
	var failed, done atomic.Int64
	runs := map[string]bool{}
	var mu sync.Mutex
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				status, body, _ := ts.get(t, tok, "/api/v1/statistics/passed_all/cells?area_code=10000001&period=VT2025")
				done.Add(1)
				var a cellsAnswer
				if status != 200 || json.Unmarshal(body, &a) != nil || a.Returned != 12 {
					failed.Add(1)
					continue
				}
				mu.Lock()
				runs[a.RunID] = true
				mu.Unlock()
			}
		}()
	}
	for i := 2; i <= 4; i++ {
		time.Sleep(50 * time.Millisecond)
		id := "run" + string(rune('0'+i))
		if _, err := testsnap.Publish(ctx, ts.dataDir, id, i); err != nil {
			t.Fatal(err)
		}
		if err := ts.store.Reload(ctx); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(50 * time.Millisecond)
	close(stop)
	wg.Wait()
	if failed.Load() != 0 {
		t.Errorf("%d of %d requests failed during swaps", failed.Load(), done.Load())
	}
	if !runs["run4"] || len(runs) < 2 {
		t.Errorf("answers came from runs %v, want several ending with run4", runs)
	}
}
