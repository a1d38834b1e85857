package reports

import (
	"context"
	"database/sql"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/skolstat/skolstat/anonymize"
	"github.com/skolstat/skolstat/etl/duck"
	"github.com/skolstat/skolstat/etl/snapshot"
	"github.com/skolstat/skolstat/etl/warehouse"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fixtureNow is after every period of the fixture: all closed.
var fixtureNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// openWarehouse creates a fresh DuckDB warehouse file and runs the given SQL file of testdata
// on it.
func openWarehouse(tb testing.TB, file string) *sql.DB {
	tb.Helper()
	ctx := context.Background()
	db, err := duck.Open(ctx, filepath.Join(tb.TempDir(), "warehouse.duckdb"), duck.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := warehouse.Create(ctx, db); err != nil {
		tb.Fatal(err)
	}
	if file != "" {
		b, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			tb.Fatal(err)
		}
		conn, err := db.Conn(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, string(b)); err != nil {
			tb.Fatalf("load %s: %v", file, err)
		}
	}
	return db
}

// buildFixture builds the whole catalogue over the hand-built fixture.
func buildFixture(tb testing.TB) *Cube {
	tb.Helper()
	db := openWarehouse(tb, "fixture.sql")
	c, err := Build(context.Background(), db, Options{Now: fixtureNow})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// allShown publishes every cell as shown (as with a policy of k = 1 and no coding), so that
// tests can read every measure's value.
func allShown(tb testing.TB, c *Cube) []snapshot.Cell {
	tb.Helper()
	cells, _, _, err := c.publish(func(int) outcome { return outcome{status: anonymize.Shown} })
	if err != nil {
		tb.Fatal(err)
	}
	return cells
}

// rowKey is statistic|period|area level|area code|grade|subject|gender|category|measure of a
// published row, "" for all.
func rowKey(r snapshot.Cell) string {
	s := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	g := ""
	if r.GradeLevel != nil {
		g = strconv.Itoa(*r.GradeLevel)
	}
	return r.Statistic + "|" + r.Period + "|" + r.AreaLevel + "|" + r.AreaCode + "|" + g + "|" +
		s(r.Subject) + "|" + s(r.Gender) + "|" + s(r.Category) + "|" + r.Measure
}
