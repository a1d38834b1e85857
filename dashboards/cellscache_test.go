package dashboards_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/skolstat/skolstat/dashboards/auth"
)

// TestServer_cellsCache asks the same cells query as two principals of different schools, twice
// each, interleaved: a repeated answer is the same bytes, no principal ever gets the other's
// school, and every request still gets its own access-log line with its counts. (A snapshot swap
// emptying the cache is TestServer_snapshotSwapUnderLoad.)
func TestServer_cellsCache(t *testing.T) {
	ts := newTestServer(t, serverOpts{})
	const path = "/api/v1/statistics/passed_all/cells?area_level=school_unit&period=VT2025&gender=all"
	cases := []struct {
		name, scope, own, foreign string
	}{
		{"Ekskolan", "school_unit:10000001", "10000001", "20000001"},
		{"Hamnskolan", "school_unit:20000001", "20000001", "10000001"},
	}
	first := map[string][]byte{}
	var returned []int
	for round := 0; round < 2; round++ {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				status, body, _ := ts.get(t, ts.token(t, auth.RolePrincipal, tc.scope), path)
				if status != 200 {
					t.Fatalf("round %d: status %d: %s", round, status, body)
				}
				var a cellsAnswer
				if err := json.Unmarshal(body, &a); err != nil {
					t.Fatal(err)
				}
				returned = append(returned, a.Returned)
				own := false
				for _, c := range a.Cells {
					own = own || c.AreaCode == tc.own
					if c.AreaCode == tc.foreign {
						t.Errorf("round %d: principal of %s got a cell of %s", round, tc.own, tc.foreign)
					}
				}
				if !own || a.Returned != len(a.Cells) {
					t.Errorf("round %d: %d cells (returned %d), want the own school's", round, len(a.Cells), a.Returned)
				}
				if round == 0 {
					first[tc.name] = body
				} else if !bytes.Equal(body, first[tc.name]) {
					t.Errorf("repeated answer differs:\n got %s\nwant %s", body, first[tc.name])
				}
			})
		}
	}

	lines := ts.accessLines(t)
	if len(lines) != len(returned) {
		t.Fatalf("%d access-log lines for %d requests", len(lines), len(returned))
	}
	for i, l := range lines {
		if got, _ := l["returned"].(float64); int(got) != returned[i] || l["status"] != float64(200) {
			t.Errorf("line %d: returned %v status %v, want %d 200", i+1, l["returned"], l["status"], returned[i])
		}
		if fl, _ := l["filters"].(map[string]any); fl == nil || fl["period"] == nil {
			t.Errorf("line %d: filters not logged: %v", i+1, l["filters"])
		}
	}
}
