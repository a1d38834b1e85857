package extract_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"testing"

	"github.com/skolstat/skolstat/etl/extract"
	"github.com/skolstat/skolstat/etl/extract/extracttest"
)

// sameTables fails unless every extracted table of a holds exactly the rows of the warehouse
// file at path b (as multisets).
func sameTables(t *testing.T, a *sql.DB, b string) {
	t.Helper()
	if _, err := a.Exec("ATTACH '" + b + "' AS other (READ_ONLY)"); err != nil {
		t.Fatal(err)
	}
	defer a.Exec("DETACH other")
	for _, table := range extract.TableNames() {
		for _, q := range []string{
			"SELECT count(*) FROM (SELECT * FROM main." + table + " EXCEPT ALL SELECT * FROM other." + table + ")",
			"SELECT count(*) FROM (SELECT * FROM other." + table + " EXCEPT ALL SELECT * FROM main." + table + ")",
		} {
			if n := count(t, a, q); n != 0 {
				t.Errorf("%s: incremental and full warehouses differ by %d rows (%s)", table, n, q)
			}
		}
	}
}

func TestRun_incrementalEqualsFull(t *testing.T) {
	ctx := context.Background()
	dsn := extracttest.New(t)
	src := connect(t, dsn)
	dir := t.TempDir()
	inc := openWarehouse(t, filepath.Join(dir, "inc.duckdb"))
	opts := extract.Options{RunID: "r1", Keyer: testKeyer(t), MaxRejectShare: 0.5}
	res, err := extract.Run(ctx, src, inc, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Full {
		t.Error("first run into an empty warehouse was not a full load")
	}

	extracttest.Exec(t, src,
		// new rows
		`INSERT INTO export.attendance SELECT pupil_key, school_unit_code, '2025-03-20', 300, 1, 2, now()
		   FROM export.placements WHERE pupil_key <= 'p010'`,
		`INSERT INTO export.usage_events VALUES (500, 'u9', 'guardian', '22222222', 'view', 'mobile', now())`,
		// updates
		`UPDATE export.attendance SET absent_invalid_minutes = 99, updated_at = now() WHERE day = '2025-03-04'`,
		// an update that makes a row invalid: it must leave the warehouse
		`UPDATE export.attendance SET absent_valid_minutes = 400, updated_at = now() WHERE pupil_key = 'p002' AND day = '2025-03-05'`,
		// deletions with tombstones
		`DELETE FROM export.attendance WHERE pupil_key = 'p004' AND day = '2025-03-03'`,
		`INSERT INTO export.deletions VALUES ('attendance', 'p004|11111111|2025-03-03', now())`,
		`DELETE FROM export.usage_events WHERE event_id IN (3, 4)`,
		`INSERT INTO export.deletions VALUES ('usage_events', '3', now()), ('usage_events', '4', now())`,
		// a pupil gone from the platform: its unchanged attendance rows must go too
		`DELETE FROM export.placements WHERE pupil_key = 'p015'`,
		`DELETE FROM export.grades WHERE pupil_key = 'p015'`,
		`DELETE FROM export.national_tests WHERE pupil_key = 'p015'`,
		`DELETE FROM export.assessments WHERE pupil_key = 'p015'`,
		`DELETE FROM export.pupils WHERE pupil_key = 'p015'`,
	)
	opts.RunID = "r2"
	res, err = extract.Run(ctx, src, inc, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Full || !slices.Equal(res.Incremental, []string{"attendance", "usage_events"}) {
		t.Errorf("second run: full=%v incremental=%v, want attendance and usage_events incremental", res.Full, res.Incremental)
	}
	if got, all := res.Read["attendance"], extracttest.Pupils*extracttest.Days+10; got >= all {
		t.Errorf("incremental run read %d attendance rows, the whole table has %d", got, all)
	}

	fullPath := filepath.Join(dir, "full.duckdb")
	full := openWarehouse(t, fullPath)
	opts.RunID = "full"
	opts.Full = true
	if _, err := extract.Run(ctx, src, full, opts); err != nil {
		t.Fatal(err)
	}
	full.Close()
	sameTables(t, inc, fullPath)

	// A run with no changes leaves the warehouse as it is.
	opts.Full = false
	opts.RunID = "r3"
	if _, err := extract.Run(ctx, src, inc, opts); err != nil {
		t.Fatal(err)
	}
	sameTables(t, inc, fullPath)
}
