package pgtest_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/skolstat/skolstat/etl/pgtest"
)

func TestNew(t *testing.T) {
	ctx := context.Background()
	var name string
	t.Run("fresh database", func(t *testing.T) {
		dsn := pgtest.New(t)
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		if err := conn.QueryRow(ctx, "SELECT current_database()").Scan(&name); err != nil {
			t.Fatal(err)
		}
		var tables int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')").Scan(&tables); err != nil {
			t.Fatal(err)
		}
		if tables != 0 {
			t.Errorf("new database holds %d tables, want 0", tables)
		}
		if _, err := conn.Exec(ctx, "CREATE TABLE left_open (x int)"); err != nil {
			t.Fatal(err)
		}
		// The connection stays open on purpose: cleanup must terminate it.
	})
	if name == "" {
		t.Skip("no database was created")
	}
	admin, err := pgx.Connect(ctx, pgtest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var n int
	if err := admin.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("database %s still exists after the test ended", name)
	}
}

func TestNew_parallelDatabasesAreDistinct(t *testing.T) {
	seen := make(chan string, 4)
	t.Run("group", func(t *testing.T) {
		for i := 0; i < 4; i++ {
			t.Run("db", func(t *testing.T) {
				t.Parallel()
				pool, _ := pgtest.NewPool(t)
				var name string
				if err := pool.QueryRow(context.Background(), "SELECT current_database()").Scan(&name); err != nil {
					t.Fatal(err)
				}
				seen <- name
			})
		}
	})
	close(seen)
	names := map[string]bool{}
	for n := range seen {
		names[n] = true
	}
	if len(names) != 4 && len(names) != 0 {
		t.Errorf("got %d distinct databases, want 4", len(names))
	}
}
