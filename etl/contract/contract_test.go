package contract_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/skolstat/skolstat/etl/contract"
	"github.com/skolstat/skolstat/etl/pgtest"
)

// catalog reads the tables of schema export as name → "col type, col type, ..." plus the
// primary-key columns.
func catalog(t *testing.T, pool *pgxpool.Pool) (cols map[string]string, pks map[string]string) {
	t.Helper()
	ctx := context.Background()
	cols, pks = map[string]string{}, map[string]string{}
	rows, err := pool.Query(ctx, `
		SELECT c.relname, string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
		WHERE n.nspname = 'export' AND c.relkind = 'r' GROUP BY c.relname`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			t.Fatal(err)
		}
		cols[name] = def
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows, err = pool.Query(ctx, `
		SELECT tc.table_name, string_agg(k.column_name, ',' ORDER BY k.ordinal_position)
		FROM information_schema.table_constraints tc
		JOIN information_schema.key_column_usage k USING (constraint_schema, constraint_name)
		WHERE tc.table_schema = 'export' AND tc.constraint_type = 'PRIMARY KEY' GROUP BY tc.table_name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			t.Fatal(err)
		}
		pks[name] = def
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return cols, pks
}

func TestApply_createsContract(t *testing.T) {
	ctx := context.Background()
	pool, _ := pgtest.NewPool(t)
	if err := contract.Apply(ctx, pool, contract.Options{}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	cols, pks := catalog(t, pool)
	tables := contract.Tables()
	if len(cols) != len(tables) {
		t.Errorf("export holds %d tables, want %d", len(cols), len(tables))
	}
	for _, tb := range tables {
		var want []string
		for _, c := range tb.Columns {
			want = append(want, c.Name+" "+c.Type)
		}
		if got := cols[tb.Name]; got != strings.Join(want, ", ") {
			t.Errorf("%s columns:\n got %s\nwant %s", tb.Name, got, strings.Join(want, ", "))
		}
		if got, want := pks[tb.Name], strings.Join(tb.PrimaryKey, ","); got != want {
			t.Errorf("%s primary key = %q, want %q", tb.Name, got, want)
		}
	}
	var constraints int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM information_schema.table_constraints
		WHERE table_schema = 'export' AND constraint_type NOT IN ('PRIMARY KEY', 'CHECK')`).Scan(&constraints); err != nil {
		t.Fatal(err)
	}
	if constraints != 0 {
		t.Errorf("export has %d constraints beyond primary keys, want 0", constraints)
	}
	if err := contract.Verify(ctx, pool); err != nil {
		t.Errorf("Verify after Apply: %v", err)
	}
}

func TestApply_twiceKeepsRowsResetEmpties(t *testing.T) {
	ctx := context.Background()
	pool, _ := pgtest.NewPool(t)
	count := func() int {
		var n int
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM export.subjects").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if err := contract.Apply(ctx, pool, contract.Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "INSERT INTO export.subjects VALUES ('MA', 'Matematik', 'Mathematics')"); err != nil {
		t.Fatal(err)
	}
	if err := contract.Apply(ctx, pool, contract.Options{}); err != nil {
		t.Fatalf("second Apply: %v", err)
	}
	if got := count(); got != 1 {
		t.Errorf("after second Apply subjects = %d rows, want 1", got)
	}
	if err := contract.Reset(ctx, pool); err != nil {
		t.Fatalf("Reset: %v", err)
	}
	if got := count(); got != 0 {
		t.Errorf("after Reset subjects = %d rows, want 0", got)
	}
}

func TestApply_refusesForeignSchema(t *testing.T) {
	tests := []struct {
		name  string
		setup string
		want  string
	}{
		{"foreign table", "CREATE SCHEMA export; CREATE TABLE export.invoices (id int)", "export.invoices is not part of the contract"},
		{"foreign view", "CREATE SCHEMA export; CREATE VIEW export.report AS SELECT 1 AS x", "view export.report"},
		{"missing column", "CREATE SCHEMA export; CREATE TABLE export.subjects (subject_code text PRIMARY KEY, name_sv text)", "export.subjects lacks column name_en"},
		{"wrong type", "CREATE SCHEMA export; CREATE TABLE export.subjects (subject_code int, name_sv text, name_en text)", "export.subjects.subject_code is integer, want text"},
		{"extra column", "CREATE SCHEMA export; CREATE TABLE export.subjects (subject_code text, name_sv text, name_en text, pnr text)", "column pnr that is not in the contract"},
		{"view in place of table", "CREATE SCHEMA export; CREATE VIEW export.subjects AS SELECT 'x'::text AS subject_code, 'y'::text AS name_sv, 'z'::text AS name_en", "export.subjects is a view, not a table"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			pool, _ := pgtest.NewPool(t)
			if _, err := pool.Exec(ctx, tt.setup); err != nil {
				t.Fatal(err)
			}
			for _, reset := range []bool{false, true} {
				err := contract.Apply(ctx, pool, contract.Options{Reset: reset})
				if !errors.Is(err, contract.ErrForeignSchema) {
					t.Fatalf("Apply(reset=%v) = %v, want ErrForeignSchema", reset, err)
				}
				if !strings.Contains(err.Error(), tt.want) {
					t.Errorf("Apply(reset=%v) error = %q, want it to name %q", reset, err, tt.want)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error spans lines: %q", err)
				}
			}
			var n int
			if err := pool.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname = 'export' AND tablename = 'pupils'").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Errorf("refused Apply still created export.pupils")
			}
		})
	}
}

func TestVerify_missingTable(t *testing.T) {
	ctx := context.Background()
	pool, _ := pgtest.NewPool(t)
	if err := contract.Apply(ctx, pool, contract.Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "DROP TABLE export.grades"); err != nil {
		t.Fatal(err)
	}
	err := contract.Verify(ctx, pool)
	if !errors.Is(err, contract.ErrForeignSchema) || !strings.Contains(err.Error(), "export.grades is missing") {
		t.Errorf("Verify = %v, want ErrForeignSchema naming export.grades", err)
	}
}

func TestTable_SelectAll(t *testing.T) {
	tb, ok := contract.Lookup(contract.Subjects)
	if !ok {
		t.Fatal("subjects not found")
	}
	if got, want := tb.SelectAll(), "SELECT subject_code, name_sv, name_en FROM export.subjects"; got != want {
		t.Errorf("SelectAll = %q, want %q", got, want)
	}
}
