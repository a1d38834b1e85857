package synth

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/skolstat/skolstat/etl/duck"
	"github.com/skolstat/skolstat/etl/warehouse"
)

// ErrWarehouseNotEmpty means a warehouse table already holds rows.
var ErrWarehouseNotEmpty = errors.New("warehouse table is not empty")

// rekeyed maps warehouse columns to the contract columns whose values rekey turns into them.
var rekeyed = map[string]string{"pupil_id": "pupil_key", "user_id": "user_key"}

// WriteWarehouse appends the generated rows straight into the DuckDB warehouse db (creating
// its tables where missing), so that no PostgreSQL is needed. rekey maps a platform key
// (pupil_key, user_key) to the warehouse's pupil_id or user_id; contract columns that the
// warehouse lacks are dropped, warehouse columns without a source are left null. The
// warehouse tables must be empty.
func (g *Generator) WriteWarehouse(ctx context.Context, db *sql.DB, rekey func(string) string) (Stats, error) {
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
		n, err := g.appendTable(ctx, db, name, cols, rekey)
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

func (g *Generator) appendTable(ctx context.Context, db *sql.DB, table string, cols []string, rekey func(string) string) (int64, error) {
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
	var lastIn, lastOut string
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
				k, _ := vals[j].(string)
				if k != lastIn || lastOut == "" {
					lastIn, lastOut = k, rekey(k)
				}
				out[i] = lastOut
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
