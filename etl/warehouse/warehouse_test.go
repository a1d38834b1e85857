package warehouse_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/skolstat/skolstat/etl/warehouse"
)

// openDB opens a fresh DuckDB file.
func openDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", filepath.Join(t.TempDir(), "wh.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestCreate(t *testing.T) {
	tests := []struct {
		name string
		// setup runs before Create.
		setup []string
		// rows is the count of attendance rows wanted after Create.
		rows int
		// state reports whether etl_state should still exist.
		state bool
	}{
		{name: "empty database", rows: 0},
		{name: "current schema kept", setup: []string{
			warehouse.Schema,
			"CREATE TABLE etl_state (name VARCHAR PRIMARY KEY, watermark TIMESTAMPTZ, note VARCHAR)",
			"INSERT INTO attendance VALUES ('685737c9-b6f8-65c9-53ea-f677116c8d4e', '11111111', DATE '2025-04-01', 300, 0, 0)",
		}, rows: 1, state: true},
		{name: "hex ids dropped", setup: []string{
			"CREATE TABLE attendance (pupil_id VARCHAR, school_unit_code VARCHAR, day DATE, scheduled_minutes INTEGER, absent_valid_minutes INTEGER, absent_invalid_minutes INTEGER)",
			"CREATE TABLE usage_events (event_id BIGINT, user_id VARCHAR, role VARCHAR, school_unit_code VARCHAR, event_type VARCHAR, device VARCHAR, occurred_at TIMESTAMPTZ)",
			"CREATE TABLE etl_state (name VARCHAR PRIMARY KEY, watermark TIMESTAMPTZ, note VARCHAR)",
			"INSERT INTO attendance VALUES (repeat('ab', 32), '11111111', DATE '2025-04-01', 300, 0, 0)",
		}, rows: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := openDB(t)
			for _, s := range tt.setup {
				if _, err := db.ExecContext(ctx, s); err != nil {
					t.Fatalf("setup %q: %v", s, err)
				}
			}
			if err := warehouse.Create(ctx, db); err != nil {
				t.Fatalf("Create: %v", err)
			}
			var text int
			if err := db.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.columns
				WHERE column_name IN ('pupil_id', 'user_id') AND data_type <> 'UUID'`).Scan(&text); err != nil {
				t.Fatal(err)
			}
			if text != 0 {
				t.Errorf("id columns not UUID = %d, want 0", text)
			}
			var rows int
			if err := db.QueryRowContext(ctx, "SELECT count(*) FROM attendance").Scan(&rows); err != nil {
				t.Fatal(err)
			}
			if rows != tt.rows {
				t.Errorf("attendance rows = %d, want %d", rows, tt.rows)
			}
			var state int
			if err := db.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'etl_state'").Scan(&state); err != nil {
				t.Fatal(err)
			}
			if got := state == 1; got != tt.state {
				t.Errorf("etl_state exists = %v, want %v", got, tt.state)
			}
		})
	}
}
