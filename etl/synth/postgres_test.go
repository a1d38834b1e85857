package synth_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/skolstat/skolstat/etl/contract"
	"github.com/skolstat/skolstat/etl/pgtest"
	"github.com/skolstat/skolstat/etl/synth"
)

// checksums returns, per contract table, the row count and an md5 over all rows in order.
func checksums(t *testing.T, pool *pgxpool.Pool) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, tb := range contract.Tables() {
		var exists bool
		if err := pool.QueryRow(context.Background(), "SELECT to_regclass($1) IS NOT NULL", tb.QualifiedName()).Scan(&exists); err != nil {
			t.Fatal(err)
		}
		if !exists {
			out[tb.Name] = "absent"
			continue
		}
		var sum string
		q := "SELECT count(*) || ':' || coalesce(md5(string_agg(x::text, E'\\n' ORDER BY x::text)), '') FROM " + tb.QualifiedName() + " x"
		if err := pool.QueryRow(context.Background(), q).Scan(&sum); err != nil {
			t.Fatal(err)
		}
		out[tb.Name] = sum
	}
	return out
}

func seed(t *testing.T, pool *pgxpool.Pool, profile string, s int64, opts synth.PostgresOptions) (synth.Stats, error) {
	t.Helper()
	g, err := synth.New(synth.Options{Profile: profile, Seed: s})
	if err != nil {
		t.Fatal(err)
	}
	return g.WritePostgres(context.Background(), pool, opts)
}

func TestGenerator_WritePostgres_deterministic(t *testing.T) {
	pool, _ := pgtest.NewPool(t)
	st, err := seed(t, pool, "small", 1, synth.PostgresOptions{})
	if err != nil {
		t.Fatalf("first seed: %v", err)
	}
	first := checksums(t, pool)
	for table, n := range st.Rows {
		if !strings.HasPrefix(first[table], itoa(n)+":") {
			t.Errorf("%s: checksum %s, stats say %d rows", table, first[table], n)
		}
	}
	if err := contract.Verify(context.Background(), pool); err != nil {
		t.Errorf("contract after seeding: %v", err)
	}

	if _, err := seed(t, pool, "small", 1, synth.PostgresOptions{}); err != nil {
		t.Fatalf("second seed, same seed: %v", err)
	}
	again := checksums(t, pool)
	for table, sum := range first {
		if again[table] != sum {
			t.Errorf("%s differs between two runs with seed 1:\n got %s\nwant %s", table, again[table], sum)
		}
	}

	if _, err := seed(t, pool, "small", 2, synth.PostgresOptions{Reset: true}); err != nil {
		t.Fatalf("seed 2 with reset: %v", err)
	}
	other := checksums(t, pool)
	for _, table := range []string{"pupils", "grades", "attendance", "usage_events"} {
		if other[table] == first[table] {
			t.Errorf("%s identical for seeds 1 and 2", table)
		}
	}
}

func TestGenerator_WritePostgres_refuses(t *testing.T) {
	tests := []struct {
		name    string
		setup   string
		wantErr error
	}{
		{"foreign table in export", "CREATE SCHEMA export; CREATE TABLE export.salaries (id int)", contract.ErrForeignSchema},
		{"contract tables holding data not seeded", "", synth.ErrNotSynthetic},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			pool, _ := pgtest.NewPool(t)
			setup := tt.setup
			if setup == "" {
				if err := contract.Apply(ctx, pool, contract.Options{}); err != nil {
					t.Fatal(err)
				}
				setup = "INSERT INTO export.subjects VALUES ('MA', 'Matematik', 'Mathematics')"
			}
			if _, err := pool.Exec(ctx, setup); err != nil {
				t.Fatal(err)
			}
			before := checksums(t, pool)
			_, err := seed(t, pool, "small", 1, synth.PostgresOptions{})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("WritePostgres = %v, want %v", err, tt.wantErr)
			}
			if after := checksums(t, pool); after["subjects"] != before["subjects"] || after["pupils"] != before["pupils"] {
				t.Errorf("refused seed changed the tables: before %v, after %v", before, after)
			}
		})
	}
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return string(b[i:])
}
