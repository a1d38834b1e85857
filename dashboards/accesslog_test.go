package dashboards_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/skolstat/skolstat/dashboards/accesslog"
	"github.com/skolstat/skolstat/dashboards/auth"
)

func TestServer_accessLog(t *testing.T) {
	ts := newTestServer(t, serverOpts{})
	tok := ts.token(t, auth.RoleOrganiser, "organiser:K0180")
	ts.get(t, tok, "/api/v1/statistics/passed_all/cells?area_code=10000002&gender=F")
	ts.get(t, tok, "/api/v1/statistics/passed_all/cells.csv?area_code=20000001")
	ts.get(t, "", "/api/v1/areas")
	ts.get(t, tok, "/healthz")
	lines := ts.accessLines(t)
	if len(lines) != 3 {
		t.Fatalf("%d access log lines, want 3 (cells, csv download, denied areas; not healthz)", len(lines))
	}
	first := lines[0]
	if first["sub"] != "test-organiser" || first["role"] != "organiser" || first["route"] != "/api/v1/statistics/:id/cells" ||
		first["returned"].(float64) != 8 || first["hidden"].(float64) != 8 || first["status"].(float64) != 200 {
		t.Errorf("first line %v", first)
	}
	if fl, _ := first["filters"].(map[string]any); fl == nil || fl["gender"] == nil || fl["area_code"] == nil {
		t.Errorf("filters not logged: %v", first["filters"])
	}
	if lines[1]["status"].(float64) != 404 || lines[1]["returned"].(float64) != 0 {
		t.Errorf("foreign download line %v", lines[1])
	}
	if lines[2]["status"].(float64) != 401 || lines[2]["sub"] != "" {
		t.Errorf("anonymous line %v", lines[2])
	}
	f, err := os.Open(filepath.Join(ts.dataDir, accesslog.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if n, err := accesslog.Verify(f); err != nil || n != 3 {
		t.Errorf("Verify = %d, %v", n, err)
	}
}
