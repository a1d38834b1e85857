package extract_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/skolstat/skolstat/etl/duck"
	"github.com/skolstat/skolstat/etl/extract"
	"github.com/skolstat/skolstat/etl/extract/extracttest"
	"github.com/skolstat/skolstat/etl/rekey"
)

func testKeyer(tb testing.TB) *rekey.Keyer {
	tb.Helper()
	k, err := rekey.New([]byte("test secret, sixteen bytes or more"))
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

func openWarehouse(tb testing.TB, path string) *sql.DB {
	tb.Helper()
	db, err := duck.Open(context.Background(), path, duck.Options{Threads: 2})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func connect(tb testing.TB, dsn string) *pgx.Conn {
	tb.Helper()
	c, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func count(tb testing.TB, db *sql.DB, query string) int {
	tb.Helper()
	var n int
	if err := db.QueryRow(query).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestRun_valid(t *testing.T) {
	dsn := extracttest.New(t)
	wh := openWarehouse(t, filepath.Join(t.TempDir(), "w.duckdb"))
	keyer := testKeyer(t)
	res, err := extract.Run(context.Background(), connect(t, dsn), wh, extract.Options{RunID: "r1", Keyer: keyer})
	if err != nil {
		t.Fatal(err)
	}
	if res.TotalReject != 0 {
		t.Errorf("rejects = %v, want none", res.Rejects)
	}
	want := map[string]int{"organisers": 2, "school_units": 2, "subjects": 3, "pupils": extracttest.Pupils,
		"placements": extracttest.Pupils, "grades": extracttest.Pupils, "national_tests": extracttest.Pupils,
		"assessments": extracttest.Pupils, "attendance": extracttest.Pupils * extracttest.Days, "usage_events": 40}
	for table, n := range want {
		if got := res.Loaded[table]; got != n {
			t.Errorf("loaded %s = %d, want %d", table, got, n)
		}
		if got := count(t, wh, "SELECT count(*) FROM "+table); got != n {
			t.Errorf("warehouse %s = %d, want %d", table, got, n)
		}
	}
	if res.ExtractedAt.IsZero() {
		t.Error("ExtractedAt not set")
	}
	// The platform's keys never reach the warehouse; the keyed hash does.
	if n := count(t, wh, "SELECT count(*) FROM pupils WHERE pupil_id = '"+keyer.Key("p001")+"'"); n != 1 {
		t.Errorf("pupil p001 re-keyed: found %d rows, want 1", n)
	}
	for _, q := range []string{
		"SELECT count(*) FROM pupils WHERE pupil_id::VARCHAR LIKE 'p0%' OR typeof(pupil_id) <> 'UUID'",
		"SELECT count(*) FROM attendance WHERE pupil_id::VARCHAR LIKE 'p0%' OR typeof(pupil_id) <> 'UUID'",
		"SELECT count(*) FROM usage_events WHERE user_id::VARCHAR LIKE 'u%' OR typeof(user_id) <> 'UUID'",
	} {
		if n := count(t, wh, q); n != 0 {
			t.Errorf("%s = %d, want 0", q, n)
		}
	}
	if n := count(t, wh, "SELECT count(*) FROM pupils WHERE protected_identity"); n != 1 {
		t.Errorf("protected-identity pupils kept with their flag = %d, want 1", n)
	}
	if n := count(t, wh, "SELECT count(*) FROM attendance WHERE day = DATE '2025-03-03' AND scheduled_minutes = 300 AND absent_valid_minutes = 5"); n != extracttest.Pupils {
		t.Errorf("attendance values: %d rows match, want %d", n, extracttest.Pupils)
	}
}

func TestRun_rules(t *testing.T) {
	dsn := extracttest.New(t)
	src := connect(t, dsn)
	extracttest.Exec(t, src,
		`INSERT INTO export.pupils VALUES ('px1', 'F', 2010, NULL, now()), ('px2', 'X', 2010, false, now())`,
		`INSERT INTO export.school_units VALUES ('33333333', 'X', 'NOPE', '0180', now()), ('1234', 'Y', 'K0180', '0180', now())`,
		`INSERT INTO export.grades VALUES
		   (1001, 'p001', '99999999', 'SV', 'VT2025', 9, 'C', false, '2025-01-01', now()),
		   (1002, 'p002', '11111111', 'SV', 'VT2025', 9, 'G', false, '2025-01-01', now()),
		   (1003, 'p003', '11111111', 'EN', 'Spring25', 9, 'C', false, '2025-01-01', now()),
		   (1004, 'p005', '11111111', 'SV', 'VT2025', 12, 'C', false, '2025-01-01', now()),
		   (1005, 'p006', '11111111', 'MA', 'VT2025', 9, 'B', true, '2025-06-11', now())`,
		`INSERT INTO export.national_tests VALUES (1001, 'nobody', '11111111', 'MA', '2024/25', 9, 'C', '2025-03-01', now())`,
		`INSERT INTO export.assessments VALUES (1001, 'p001', '11111111', 'XX', 'VT2025', 'E', '2025-02-01', now())`,
		`INSERT INTO export.placements VALUES
		   (1001, 'p004', '11111111', '2024/26', 9, '9A', '2024-08-15', NULL, now()),
		   (1002, 'p007', '11111111', '2024/25', 9, '9B', '2024-09-01', NULL, now())`,
		`INSERT INTO export.attendance VALUES ('p001', '11111111', '2025-04-01', 60, 50, 20, now()),
		   ('p002', '11111111', current_date + 3, 300, 0, 0, now())`,
		`INSERT INTO export.usage_events VALUES (1001, 'u1', 'teacher', NULL, 'login', 'mobile', now()),
		   (1002, 'u1', 'staff', NULL, 'login', 'watch', now())`,
	)
	wh := openWarehouse(t, filepath.Join(t.TempDir(), "w.duckdb"))
	res, err := extract.Run(context.Background(), src, wh, extract.Options{RunID: "r1", Keyer: testKeyer(t), MaxRejectShare: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		rule  string
		table string
		want  int
	}{
		{extract.RuleMissingValue, "pupils", 1},
		{extract.RuleInvalidValue, "pupils", 1},
		{extract.RuleUnknownOrganiser, "school_units", 1},
		{extract.RuleInvalidCode, "school_units", 1},
		{extract.RuleUnknownSchoolUnit, "grades", 1},
		{extract.RuleInvalidGrade, "grades", 1},
		{extract.RuleMalformedTerm, "grades", 1},
		{extract.RuleGradeLevelOutOfRange, "grades", 1},
		{extract.RuleDuplicateFinalGrade, "grades", 2},
		{extract.RuleUnknownPupil, "national_tests", 1},
		{extract.RuleUnknownSubject, "assessments", 1},
		{extract.RuleMalformedSchoolYear, "placements", 1},
		{extract.RuleOverlappingPlacement, "placements", 2},
		{extract.RuleInvalidAbsence, "attendance", 1},
		{extract.RuleFutureDate, "attendance", 1},
		{extract.RuleUnknownRole, "usage_events", 1},
		{extract.RuleUnknownDevice, "usage_events", 1},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			if got := res.Rejects[tt.rule]; got != tt.want {
				t.Errorf("rejects[%s] = %d, want %d", tt.rule, got, tt.want)
			}
			q := "SELECT count(*) FROM etl_quarantine WHERE rule = '" + tt.rule + "' AND table_name = '" + tt.table + "' AND run_id = 'r1'"
			if got := count(t, wh, q); got != tt.want {
				t.Errorf("quarantined %s rows of %s = %d, want %d", tt.rule, tt.table, got, tt.want)
			}
		})
	}
	// The rest completes: every valid row is there, no rejected one.
	checks := map[string]int{
		"SELECT count(*) FROM pupils":                                      extracttest.Pupils,
		"SELECT count(*) FROM school_units":                                2,
		"SELECT count(*) FROM grades":                                      extracttest.Pupils - 1, // p006's two final MA grades
		"SELECT count(*) FROM placements":                                  extracttest.Pupils - 1, // p007's overlapping pair
		"SELECT count(*) FROM attendance":                                  extracttest.Pupils * extracttest.Days,
		"SELECT count(*) FROM usage_events":                                40,
		"SELECT count(*) FROM national_tests":                              extracttest.Pupils,
		"SELECT count(*) FROM assessments":                                 extracttest.Pupils,
		"SELECT count(*) FROM etl_quarantine WHERE row_key LIKE '%p00%'":   0, // pupil keys re-keyed
		"SELECT count(*) FROM etl_quarantine WHERE row_key LIKE '%nobod%'": 0,
	}
	for q, want := range checks {
		if got := count(t, wh, q); got != want {
			t.Errorf("%s = %d, want %d", q, got, want)
		}
	}
	var key string
	if err := wh.QueryRow("SELECT row_key FROM etl_quarantine WHERE rule = 'invalid_absence'").Scan(&key); err != nil {
		t.Fatal(err)
	}
	if want := testKeyer(t).Key("p001") + "|11111111|2025-04-01"; key != want {
		t.Errorf("quarantined attendance key = %q, want %q", key, want)
	}
}

func TestRun_tooManyRejects(t *testing.T) {
	dsn := extracttest.New(t)
	src := connect(t, dsn)
	wh := openWarehouse(t, filepath.Join(t.TempDir(), "w.duckdb"))
	if _, err := extract.Run(context.Background(), src, wh, extract.Options{RunID: "r1", Keyer: testKeyer(t)}); err != nil {
		t.Fatal(err)
	}
	extracttest.Exec(t, src, `UPDATE export.attendance SET absent_valid_minutes = 1000, updated_at = now()`)
	res, err := extract.Run(context.Background(), src, wh, extract.Options{RunID: "r2", Keyer: testKeyer(t), MaxRejectShare: 0.1})
	if !errors.Is(err, extract.ErrTooManyRejects) {
		t.Fatalf("Run: got %v, want ErrTooManyRejects", err)
	}
	if res.Rejects[extract.RuleInvalidAbsence] != extracttest.Pupils*extracttest.Days {
		t.Errorf("rejects = %v", res.Rejects)
	}
	// The failed run changed nothing in the warehouse.
	if got := count(t, wh, "SELECT count(*) FROM attendance"); got != extracttest.Pupils*extracttest.Days {
		t.Errorf("attendance after failed run = %d, want the previous %d", got, extracttest.Pupils*extracttest.Days)
	}
	if got := count(t, wh, "SELECT count(*) FROM etl_quarantine WHERE run_id = 'r2'"); got != 0 {
		t.Errorf("quarantine of the failed run kept %d rows", got)
	}
	_ = strings.TrimSpace
}

// TestRun_batchRows loads the same source with record batches of a few rows, so that batches
// end inside a pupil's rows and hold several pupils (each batch has its own dictionary of
// re-keyed pupil keys): the warehouse is the same as with the default batch size.
func TestRun_batchRows(t *testing.T) {
	dsn := extracttest.New(t)
	keyer := testKeyer(t)
	dump := func(batchRows int) map[string]string {
		t.Helper()
		wh := openWarehouse(t, filepath.Join(t.TempDir(), "w.duckdb"))
		if _, err := extract.Run(context.Background(), connect(t, dsn), wh,
			extract.Options{RunID: "r", Keyer: keyer, BatchRows: batchRows}); err != nil {
			t.Fatalf("batch rows %d: %v", batchRows, err)
		}
		out := map[string]string{}
		for _, table := range []string{"pupils", "placements", "grades", "national_tests", "assessments", "attendance", "usage_events"} {
			var s string
			q := "SELECT string_agg(r, '\n' ORDER BY r) FROM (SELECT t::VARCHAR AS r FROM " + table + " t)"
			if err := wh.QueryRow(q).Scan(&s); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			out[table] = s
		}
		if n := count(t, wh, "SELECT count(*) FROM attendance WHERE pupil_id NOT IN (SELECT pupil_id FROM pupils)"); n != 0 {
			t.Errorf("batch rows %d: %d attendance rows name no loaded pupil", batchRows, n)
		}
		return out
	}
	want := dump(0)
	for _, n := range []int{1, 3, 7} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			got := dump(n)
			for table, w := range want {
				if got[table] != w {
					t.Errorf("%s with batches of %d rows differs from the default batch size", table, n)
				}
			}
		})
	}
}
