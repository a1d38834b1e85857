package dashboards_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/skolstat/skolstat/dashboards/auth"
)

// matrixUser is one role with its scope, the areas it must see and the ones it must not.
type matrixUser struct {
	name    string
	role    auth.Role
	scopes  []string
	own     []string // area codes visible
	foreign []string // area codes that must look like nonexistent ones
	stats   []string // statistics visible
}

var matrixUsers = []matrixUser{
	{"principal", auth.RolePrincipal, []string{"school_unit:10000001"},
		[]string{"10000001", "K0180", "0180", "SE"},
		[]string{"10000002", "20000001", "30000001", "K1480", "E0001", "1480"},
		[]string{"active_users", "passed_all"}},
	{"organiser", auth.RoleOrganiser, []string{"organiser:K0180"},
		[]string{"10000001", "10000002", "K0180", "0180", "SE"},
		[]string{"20000001", "30000001", "K1480", "E0001", "1480"},
		[]string{"active_users", "passed_all"}},
	{"municipality analyst", auth.RoleOrganiser, []string{"municipality:1480"},
		[]string{"20000001", "1480", "K1480", "SE"},
		[]string{"10000001", "10000002", "30000001", "K0180", "E0001", "0180"},
		[]string{"active_users", "passed_all"}},
	{"inspector of a municipality", auth.RoleInspector, []string{"municipality:0180"},
		[]string{"0180", "10000001", "10000002", "30000001", "SE"},
		[]string{"20000001", "1480", "K1480"},
		[]string{"active_users", "passed_all"}},
	{"inspector of an organiser", auth.RoleInspector, []string{"organiser:E0001"},
		[]string{"E0001", "30000001", "SE"},
		[]string{"10000001", "20000001", "0180", "K0180"},
		[]string{"active_users", "passed_all"}},
	{"inspector of all", auth.RoleInspector, []string{"all"},
		[]string{"10000001", "10000002", "20000001", "30000001", "K0180", "K1480", "E0001", "0180", "1480", "SE"},
		nil,
		[]string{"active_users", "passed_all"}},
	{"principal of a school that does not exist", auth.RolePrincipal, []string{"school_unit:99999999"},
		[]string{"SE"},
		[]string{"10000001", "K0180", "0180"},
		[]string{"active_users", "passed_all"}},
	{"staff", auth.RolePlatformStaff, []string{"all"},
		[]string{"SE"},
		[]string{"10000001", "K0180", "0180"},
		[]string{"active_users"}},
}

func TestServer_authorizationMatrix(t *testing.T) {
	ts := newTestServer(t, serverOpts{})
	for _, u := range matrixUsers {
		tok := ts.token(t, u.role, u.scopes...)
		stat := u.stats[len(u.stats)-1] // passed_all, or active_users for staff
		t.Run(u.name+"/statistics", func(t *testing.T) {
			status, body, _ := ts.get(t, tok, "/api/v1/statistics")
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, body)
			}
			var got struct{ Statistics []struct{ ID string } }
			json.Unmarshal(body, &got)
			var ids []string
			for _, s := range got.Statistics {
				ids = append(ids, s.ID)
			}
			if strings.Join(ids, ",") != strings.Join(u.stats, ",") {
				t.Errorf("statistics = %v, want %v", ids, u.stats)
			}
		})
		t.Run(u.name+"/areas", func(t *testing.T) {
			status, body, _ := ts.get(t, tok, "/api/v1/areas")
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, body)
			}
			var got struct {
				Areas []struct {
					Code string `json:"area_code"`
				}
			}
			json.Unmarshal(body, &got)
			seen := map[string]bool{}
			for _, a := range got.Areas {
				seen[a.Code] = true
			}
			for _, c := range u.own {
				if !seen[c] {
					t.Errorf("own area %s missing from /areas", c)
				}
			}
			for _, c := range u.foreign {
				if seen[c] {
					t.Errorf("foreign area %s listed in /areas", c)
				}
			}
		})
		for _, route := range []string{"/cells", "/cells.csv", "/cells.xlsx"} {
			for _, code := range u.own {
				t.Run(u.name+route+"/own/"+code, func(t *testing.T) {
					status, body, _ := ts.get(t, tok, "/api/v1/statistics/"+stat+route+"?area_code="+code)
					if status != http.StatusOK {
						t.Fatalf("own area %s: status %d: %s", code, status, body)
					}
				})
			}
			for _, code := range u.foreign {
				t.Run(u.name+route+"/foreign/"+code, func(t *testing.T) {
					status, body, _ := ts.get(t, tok, "/api/v1/statistics/"+stat+route+"?area_code="+code)
					nStatus, nBody, _ := ts.get(t, tok, "/api/v1/statistics/"+stat+route+"?area_code=00000000")
					if status != http.StatusNotFound || status != nStatus {
						t.Fatalf("foreign area %s: status %d (nonexistent: %d), want 404 for both", code, status, nStatus)
					}
					got := strings.Replace(errorOf(t, body), code, "X", 1)
					want := strings.Replace(errorOf(t, nBody), "00000000", "X", 1)
					if got != want {
						t.Errorf("foreign area answer %q differs from nonexistent area answer %q", got, want)
					}
				})
			}
		}
		t.Run(u.name+"/cells without area stay in scope", func(t *testing.T) {
			status, body, _ := ts.get(t, tok, "/api/v1/statistics/"+stat+"/cells")
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, body)
			}
			var got cellsAnswer
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatal(err)
			}
			own := map[string]bool{}
			for _, c := range u.own {
				own[c] = true
			}
			if len(got.Cells) == 0 {
				t.Error("no cells at all")
			}
			for _, c := range got.Cells {
				if !own[c.AreaCode] {
					t.Fatalf("cell of foreign area %s %s returned", c.AreaLevel, c.AreaCode)
				}
			}
		})
		if u.role == auth.RolePlatformStaff {
			t.Run(u.name+"/other statistics look nonexistent", func(t *testing.T) {
				status, body, _ := ts.get(t, tok, "/api/v1/statistics/passed_all/cells")
				nStatus, nBody, _ := ts.get(t, tok, "/api/v1/statistics/no_such/cells")
				if status != http.StatusNotFound || nStatus != http.StatusNotFound {
					t.Fatalf("status %d and %d, want 404", status, nStatus)
				}
				if strings.Replace(errorOf(t, body), "passed_all", "X", 1) != strings.Replace(errorOf(t, nBody), "no_such", "X", 1) {
					t.Errorf("answers differ: %s vs %s", body, nBody)
				}
			})
		}
	}
}

func TestServer_anonymousDenied(t *testing.T) {
	ts := newTestServer(t, serverOpts{})
	for _, path := range []string{"/api/v1/snapshot", "/api/v1/statistics", "/api/v1/areas",
		"/api/v1/statistics/passed_all/cells", "/api/v1/statistics/passed_all/cells.csv",
		"/api/v1/statistics/passed_all/cells.xlsx", "/api/v1/statistics/passed_all/cells?area_code=SE"} {
		t.Run(path, func(t *testing.T) {
			status, body, _ := ts.get(t, "", path)
			if status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", status)
			}
			errorOf(t, body)
		})
	}
	status, _, _ := ts.get(t, "", "/api/v1/openapi.json")
	if status != http.StatusOK {
		t.Errorf("openapi.json: status %d, want 200 (public description)", status)
	}
}
