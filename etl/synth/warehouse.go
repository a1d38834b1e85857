package synth

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/skolstat/skolstat/etl/duck"
	"github.com/skolstat/skolstat/etl/rekey"
	"github.com/skolstat/skolstat/etl/warehouse"
)

// ErrWarehouseNotEmpty means a warehouse table already holds rows.
var ErrWarehouseNotEmpty = errors.New("warehouse table is not empty")

// rekeyed maps warehouse columns to the contract columns whose values are re-keyed into them.
var rekeyed = map[string]string{"pupil_id": "pupil_key", "user_id": "user_key"}

// WriteWarehouse appends the generated rows straight into the DuckDB warehouse db (creating
// its tables where missing), so that no PostgreSQL is needed. toID maps a platform key
// (pupil_key, user_key) to the warehouse's pupil_id or user_id (UUID columns): pass a
// rekey.Keyer's Key method, which returns the re-keyed id in UUID text form, as the ETL stores
// it. A stand-in that returns any other string (tests, benchmarks) has that string mapped to an
// id by its unkeyed SHA-256, which does not protect the platform's keys. Contract columns that
// the warehouse lacks are dropped, warehouse columns without a source are left null. The
// warehouse tables must be empty.
func (g *Generator) WriteWarehouse(ctx context.Context, db *sql.DB, toID func(string) string) (Stats, error) {
	start := time.Now()
	st := Stats{Rows: map[string]int64{}}
	if err := warehouse.Create(ctx, db); err != nil {
		return st, fmt.Errorf("seed warehouse: %w", err)
	}
	for _, name := range g.Tables() {
		cols, err := warehouseColumns(ctx, db, name)
		if err != nil {
			return st, fmt.Errorf("seed warehouse: %w", err)
		}
		if len(cols) == 0 {
			continue // a contract table the warehouse does not keep (deletions)
		}
		n, err := g.appendTable(ctx, db, name, cols, toID)
		if err != nil {
			return st, fmt.Errorf("seed warehouse: %s: %w", name, err)
		}
		st.Rows[name] = n
		st.Total += n
	}
	st.Elapsed = time.Since(start)
	return st, nil
}

// warehouseColumns lists the columns of a warehouse table in order; none if it is absent.
func warehouseColumns(ctx context.Context, db *sql.DB, table string) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT column_name FROM information_schema.columns
		WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position`, table)
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("columns of %s: %w", table, err)
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	return cols, nil
}

func (g *Generator) appendTable(ctx context.Context, db *sql.DB, table string, cols []string, toID func(string) string) (int64, error) {
	var existing int64
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&existing); err != nil {
		return 0, err
	}
	if existing > 0 {
		return 0, fmt.Errorf("%w (%d rows)", ErrWarehouseNotEmpty, existing)
	}
	src, err := g.Rows(table)
	if err != nil {
		return 0, err
	}
	index := map[string]int{}
	for i, c := range src.Columns() {
		index[c] = i
	}
	from := make([]int, len(cols)) // source column, or -1 for null
	rekey1 := make([]bool, len(cols))
	for i, c := range cols {
		from[i] = -1
		if j, ok := index[c]; ok {
			from[i] = j
		} else if k, ok := rekeyed[c]; ok {
			if j, ok := index[k]; ok {
				from[i], rekey1[i] = j, true
			}
		}
	}
	app, err := duck.NewAppender(ctx, db, table)
	if err != nil {
		return 0, err
	}
	out := make([]driver.Value, len(cols))
	var lastIn string
	var lastOut rekey.ID
	haveOut := false
	for src.Next() {
		if src.Rows()%65536 == 0 {
			if err := ctx.Err(); err != nil {
				app.Close()
				return 0, err
			}
		}
		vals, _ := src.Values()
		for i, j := range from {
			switch {
			case j < 0:
				out[i] = nil
			case rekey1[i]:
				k, ok := vals[j].(string)
				if !ok {
					out[i] = nil
					continue
				}
				if k != lastIn || !haveOut {
					lastIn, lastOut, haveOut = k, warehouseID(toID(k)), true
				}
				out[i] = lastOut[:]
			default:
				out[i] = vals[j]
			}
		}
		if err := app.Append(out...); err != nil {
			app.Close()
			return 0, err
		}
	}
	if err := app.Close(); err != nil {
		return 0, err
	}
	return src.Rows(), nil
}

// warehouseID converts what WriteWarehouse's toID returned into the id stored: a UUID text as
// is, any other string by the first 16 bytes of its SHA-256.
func warehouseID(s string) rekey.ID {
	if id, err := rekey.ParseID(s); err == nil {
		return id
	}
	sum := sha256.Sum256([]byte(s))
	return rekey.ID(sum[:rekey.IDSize])
}
