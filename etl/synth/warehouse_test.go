package synth_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"sync"
	"testing"

	"github.com/skolstat/skolstat/etl/duck"
	"github.com/skolstat/skolstat/etl/rekey"
	"github.com/skolstat/skolstat/etl/synth"
)

// testRekey stands in for the ETL's HMAC re-keying: any deterministic function giving a UUID
// text will do.
func testRekey(k string) string {
	sum := sha256.Sum256([]byte("test-secret:" + k))
	return rekey.ID(sum[:rekey.IDSize]).String()
}

// warehouseOf generates a profile into a fresh in-memory DuckDB warehouse.
func warehouseOf(t *testing.T, profile string, seed int64) (*sql.DB, synth.Stats) {
	t.Helper()
	ctx := context.Background()
	db, err := duck.Open(ctx, "", duck.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	g, err := synth.New(synth.Options{Profile: profile, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	st, err := g.WriteWarehouse(ctx, db, testRekey)
	if err != nil {
		t.Fatalf("WriteWarehouse: %v", err)
	}
	return db, st
}

var (
	municipalityOnce  sync.Once
	municipalityDB    *sql.DB
	municipalityStats synth.Stats
	municipalityErr   error
)

// municipality returns the municipality profile (seed 1) in a shared in-memory warehouse.
func municipality(t *testing.T) *sql.DB {
	t.Helper()
	municipalityOnce.Do(func() {
		ctx := context.Background()
		db, err := duck.Open(ctx, "", duck.Options{})
		if err != nil {
			municipalityErr = err
			return
		}
		g, err := synth.New(synth.Options{Profile: "municipality", Seed: 1})
		if err != nil {
			municipalityErr = err
			return
		}
		municipalityStats, municipalityErr = g.WriteWarehouse(ctx, db, testRekey)
		municipalityDB = db
	})
	if municipalityErr != nil {
		t.Fatalf("municipality warehouse: %v", municipalityErr)
	}
	return municipalityDB
}

func queryFloat(t *testing.T, db *sql.DB, q string) float64 {
	t.Helper()
	var v sql.NullFloat64
	if err := db.QueryRow(q).Scan(&v); err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	return v.Float64
}

func TestGenerator_WriteWarehouse(t *testing.T) {
	db, st := warehouseOf(t, "small", 7)
	ctx := context.Background()
	for table, n := range st.Rows {
		var got int64
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != n || n == 0 {
			t.Errorf("%s holds %d rows, stats say %d (want > 0 and equal)", table, got, n)
		}
	}
	if _, ok := st.Rows["deletions"]; ok {
		t.Errorf("deletions written to the warehouse, which has no such table")
	}
	for _, q := range []string{
		"SELECT count(*) FROM pupils WHERE typeof(pupil_id) <> 'UUID' OR pupil_id IS NULL",
		"SELECT count(*) - count(DISTINCT pupil_id) FROM pupils",
		"SELECT count(*) FROM attendance WHERE pupil_id NOT IN (SELECT pupil_id FROM pupils)",
		"SELECT count(*) FROM grades WHERE pupil_id NOT IN (SELECT pupil_id FROM pupils)",
		"SELECT count(*) FROM usage_events WHERE typeof(user_id) <> 'UUID' OR user_id IS NULL",
	} {
		if got := queryFloat(t, db, q); got != 0 {
			t.Errorf("%s = %v, want 0", q, got)
		}
	}
	g, _ := synth.New(synth.Options{Profile: "small", Seed: 7})
	_, err := g.WriteWarehouse(ctx, db, testRekey)
	if !errors.Is(err, synth.ErrWarehouseNotEmpty) {
		t.Errorf("second WriteWarehouse = %v, want ErrWarehouseNotEmpty", err)
	}
}

func TestGenerator_WriteWarehouse_ids(t *testing.T) {
	tests := []struct {
		name string
		toID func(string) string
		// exact: the stored id is toID's UUID text itself.
		exact bool
	}{
		{"uuid text", testRekey, true},
		{"other stand-in", func(k string) string { return "h" + k }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db, err := duck.Open(ctx, "", duck.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			g, err := synth.New(synth.Options{Profile: "small", Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := g.WriteWarehouse(ctx, db, tt.toID); err != nil {
				t.Fatalf("WriteWarehouse: %v", err)
			}
			for _, q := range []string{
				"SELECT count(*) FROM pupils WHERE typeof(pupil_id) <> 'UUID' OR pupil_id IS NULL",
				"SELECT count(*) - count(DISTINCT pupil_id) FROM pupils",
				"SELECT count(*) FROM placements WHERE pupil_id NOT IN (SELECT pupil_id FROM pupils)",
				"SELECT count(*) FROM usage_events WHERE user_id IS NULL",
			} {
				if got := queryFloat(t, db, q); got != 0 {
					t.Errorf("%s = %v, want 0", q, got)
				}
			}
			rows, err := g.Rows("pupils")
			if err != nil {
				t.Fatal(err)
			}
			if !rows.Next() {
				t.Fatal("no pupils generated")
			}
			vals, _ := rows.Values()
			key, _ := vals[indexOf(rows.Columns(), "pupil_key")].(string)
			if got := queryFloat(t, db, "SELECT count(*) FROM pupils WHERE pupil_id::VARCHAR = '"+tt.toID(key)+"'"); tt.exact && got != 1 {
				t.Errorf("pupils with id %s = %v, want 1", tt.toID(key), got)
			}
		})
	}
}

// indexOf returns the index of name in cols, or -1.
func indexOf(cols []string, name string) int {
	for i, c := range cols {
		if c == name {
			return i
		}
	}
	return -1
}

func TestGenerator_plausibleMunicipality(t *testing.T) {
	if testing.Short() {
		t.Skip("generates the municipality profile")
	}
	db := municipality(t)
	tests := []struct {
		name   string
		query  string
		lo, hi float64
	}{
		{"mean merit value of year-9 leaving grades", meritSQL(""), 200, 250},
		{"share with F in year-9 maths", `SELECT avg(CASE WHEN grade = 'F' THEN 1 ELSE 0 END) FROM grades WHERE is_final AND subject_code = 'MA'`, 0.03, 0.15},
		{"mean absence share per pupil", absenceSQL + `SELECT avg(share) FROM p`, 0.05, 0.12},
		{"median absence share per pupil (most pupils a few per cent)", absenceSQL + `SELECT median(share) FROM p`, 0.01, 0.06},
		{"share of pupils above 15 % absence (a tail)", absenceSQL + `SELECT avg(CASE WHEN share > 0.15 THEN 1 ELSE 0 END) FROM p`, 0.03, 0.2},
		{"school units", `SELECT count(*) FROM school_units`, 30, 55},
		{"pupils in the last school year", `SELECT count(DISTINCT pupil_id) FROM placements WHERE school_year = '2025/26'`, 22000, 28000},
		{"independent organisers", `SELECT count(*) FROM organisers WHERE organiser_type = 'independent'`, 3, 20},
		{"girls' merit minus boys'", `SELECT (` + meritSQL("F") + `) - (` + meritSQL("M") + `)`, 5, 40},
		{"share of year-9 leavers with a modern language", `SELECT count(DISTINCT pupil_id) FILTER (WHERE subject_code = 'ML') / count(DISTINCT pupil_id) FROM grades WHERE is_final`, 0.7, 0.95},
		{"pupils with protected identity", `SELECT count(*) FROM pupils WHERE protected_identity`, 5, 200},
		{"pupils with unknown gender", `SELECT count(*) FROM pupils WHERE gender IS NULL`, 5, 300},
		{"share of pupils who move during a school year", `SELECT count(*) / (SELECT count(DISTINCT pupil_id || school_year) FROM placements) FROM (SELECT pupil_id, school_year FROM placements GROUP BY ALL HAVING count(*) > 1)`, 0.01, 0.05},
		{"smallest unit: pupils per grade level", unitSizeSQL + `SELECT min(per_grade) FROM s`, 1, 10},
		{"largest unit: pupils per grade level", unitSizeSQL + `SELECT max(per_grade) FROM s`, 100, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := queryFloat(t, db, tt.query)
			if got < tt.lo || got > tt.hi {
				t.Errorf("got %.4g, want between %v and %v", got, tt.lo, tt.hi)
			}
		})
	}
}

// meritSQL computes the mean merit value (best 16 subjects, modern language as 17th where it
// raises the sum) over pupils with at least one passing grade, optionally for one gender.
func meritSQL(gender string) string {
	where := ""
	if gender != "" {
		where = " AND pupil_id IN (SELECT pupil_id FROM pupils WHERE gender = '" + gender + "')"
	}
	return `WITH g AS (
		SELECT pupil_id, subject_code, CASE grade WHEN 'A' THEN 20 WHEN 'B' THEN 17.5 WHEN 'C' THEN 15
			WHEN 'D' THEN 12.5 WHEN 'E' THEN 10 ELSE 0 END AS pts
		FROM grades WHERE is_final` + where + `),
	r AS (SELECT pupil_id, pts, row_number() OVER (PARTITION BY pupil_id ORDER BY pts DESC) AS rk FROM g WHERE subject_code <> 'ML'),
	m AS (SELECT pupil_id, sum(pts) FILTER (WHERE rk <= 16) AS best16, max(pts) AS top FROM r GROUP BY pupil_id),
	ml AS (SELECT pupil_id, pts FROM g WHERE subject_code = 'ML')
	SELECT avg(best16 + coalesce(ml.pts, 0)) FROM m LEFT JOIN ml USING (pupil_id) WHERE top > 0 OR ml.pts > 0`
}

const absenceSQL = `WITH p AS (SELECT pupil_id, sum(absent_valid_minutes + absent_invalid_minutes) / sum(scheduled_minutes) AS share
	FROM attendance GROUP BY pupil_id) `

const unitSizeSQL = `WITH s AS (SELECT school_unit_code, count(*) / count(DISTINCT grade_level) AS per_grade
	FROM placements WHERE school_year = '2025/26' GROUP BY school_unit_code) `

func TestGenerator_schoolSystemShape(t *testing.T) {
	db, _ := warehouseOf(t, "small", 3)
	zero := []struct{ name, query string }{
		{"grades registered at a school the pupil did not attend at the end of the term",
			`SELECT count(*) FROM grades g WHERE NOT EXISTS (SELECT 1 FROM placements p WHERE p.pupil_id = g.pupil_id
				AND p.school_unit_code = g.school_unit_code AND p.start_date <= g.registered_on
				AND (p.end_date IS NULL OR p.end_date >= g.registered_on))`},
		{"attendance at a school outside the pupil's placement",
			`SELECT count(*) FROM attendance a WHERE NOT EXISTS (SELECT 1 FROM placements p WHERE p.pupil_id = a.pupil_id
				AND p.school_unit_code = a.school_unit_code AND p.start_date <= a.day AND (p.end_date IS NULL OR p.end_date >= a.day))`},
		{"overlapping placements of one pupil",
			`SELECT count(*) FROM placements a JOIN placements b ON a.pupil_id = b.pupil_id AND a.placement_id < b.placement_id
				AND a.start_date <= coalesce(b.end_date, DATE '9999-12-31') AND b.start_date <= coalesce(a.end_date, DATE '9999-12-31')`},
		{"grades below year 6", `SELECT count(*) FROM grades WHERE grade_level < 6`},
		{"final grades outside year-9 spring", `SELECT count(*) FROM grades WHERE is_final <> (grade_level = 9 AND term LIKE 'VT%')`},
		{"national tests outside years 6 and 9", `SELECT count(*) FROM national_tests WHERE grade_level NOT IN (6, 9)`},
		{"duplicate attendance days", `SELECT count(*) FROM (SELECT pupil_id, school_unit_code, day FROM attendance GROUP BY ALL HAVING count(*) > 1)`},
		{"absence beyond scheduled time", `SELECT count(*) FROM attendance WHERE absent_valid_minutes + absent_invalid_minutes > scheduled_minutes`},
	}
	for _, tt := range zero {
		t.Run(tt.name, func(t *testing.T) {
			if got := queryFloat(t, db, tt.query); got != 0 {
				t.Errorf("got %v, want 0", got)
			}
		})
	}
	t.Run("unit types F-9, F-6 and 7-9", func(t *testing.T) {
		got := queryFloat(t, db, `SELECT count(DISTINCT span) FROM (SELECT school_unit_code, min(grade_level) || '-' || max(grade_level) AS span
			FROM placements GROUP BY ALL) WHERE span IN ('0-9', '0-6', '7-9')`)
		if got != 3 {
			t.Errorf("got %v kinds of unit, want 3", got)
		}
	})
	t.Run("tests deviate most from grades in maths", func(t *testing.T) {
		agree := func(subject string) float64 {
			return queryFloat(t, db, `SELECT avg(CASE WHEN n.test_grade = g.grade THEN 1 ELSE 0 END) FROM national_tests n
				JOIN grades g ON g.pupil_id = n.pupil_id AND g.subject_code = n.subject_code AND g.grade_level = n.grade_level
				AND g.term = 'VT' || (CAST(substr(n.school_year, 1, 4) AS INTEGER) + 1)
				WHERE n.subject_code = '`+subject+`' AND g.grade <> '-'`)
		}
		ma, sv, en := agree("MA"), agree("SV"), agree("EN")
		if ma >= sv || ma >= en || ma < 0.3 || sv < 0.5 {
			t.Errorf("agreement MA %.2f, SV %.2f, EN %.2f: want maths lowest, all mostly agreeing", ma, sv, en)
		}
	})
	t.Run("weekly rhythm by role and device", func(t *testing.T) {
		weekend := func(role string) float64 {
			return queryFloat(t, db, `SELECT avg(CASE WHEN dayofweek(occurred_at AT TIME ZONE 'UTC') IN (0, 6) THEN 1 ELSE 0 END) FROM usage_events WHERE role = '`+role+`'`)
		}
		if s, gd := weekend("staff"), weekend("guardian"); s >= gd || s > 0.1 {
			t.Errorf("weekend share staff %.2f, guardians %.2f: want staff low, guardians higher", s, gd)
		}
		mobile := func(role string) float64 {
			return queryFloat(t, db, `SELECT avg(CASE WHEN device = 'mobile' THEN 1 ELSE 0 END) FROM usage_events WHERE role = '`+role+`'`)
		}
		if s, gd := mobile("staff"), mobile("guardian"); gd < 0.5 || s > 0.3 {
			t.Errorf("mobile share staff %.2f, guardians %.2f: want guardians mostly mobile, staff mostly not", s, gd)
		}
	})
	t.Run("assessment levels", func(t *testing.T) {
		if got := queryFloat(t, db, `SELECT count(DISTINCT level) FROM assessments WHERE level IN ('not_reached', 'E', 'C', 'A')`); got != 4 {
			t.Errorf("got %v levels, want 4", got)
		}
	})
}

// BenchmarkGenerator_WriteWarehouse appends the small profile into an in-memory warehouse.
func BenchmarkGenerator_WriteWarehouse(b *testing.B) {
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		db, err := duck.Open(ctx, "", duck.Options{})
		if err != nil {
			b.Fatal(err)
		}
		g, err := synth.New(synth.Options{Profile: "small", Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		st, err := g.WriteWarehouse(ctx, db, testRekey)
		db.Close()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(st.RowsPerSecond(), "rows/s")
		b.ReportMetric(float64(st.Total), "rows")
	}
}
