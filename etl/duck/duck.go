// Package duck is the one place that links the DuckDB driver (cgo); everything else talks to
// DuckDB through database/sql handles and the helpers here.
package duck

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// Options tunes how a database file is opened.
type Options struct {
	// ReadOnly opens the file with access_mode=READ_ONLY: for published snapshots.
	ReadOnly bool
	// Threads caps DuckDB's worker threads; 0 leaves DuckDB's default.
	Threads int
	// MemoryLimit is DuckDB's memory_limit setting (e.g. "2GB"); empty leaves the default.
	MemoryLimit string
}

// Open opens (or creates) the DuckDB database file at path. An empty path opens an in-memory
// database.
func Open(ctx context.Context, path string, opt Options) (*sql.DB, error) {
	dsn := path
	sep := "?"
	if opt.ReadOnly {
		dsn += sep + "access_mode=READ_ONLY"
		sep = "&"
	}
	if opt.Threads > 0 {
		dsn += fmt.Sprintf("%sthreads=%d", sep, opt.Threads)
		sep = "&"
	}
	if opt.MemoryLimit != "" {
		dsn += sep + "memory_limit=" + opt.MemoryLimit
	}
	connector, err := duckdb.NewConnector(dsn, nil)
	if err != nil {
		return nil, fmt.Errorf("open duckdb %s: %w", path, err)
	}
	db := sql.OpenDB(connector)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open duckdb %s: %w", path, err)
	}
	return db, nil
}

// Appender appends rows to one table through DuckDB's bulk appender, far faster than INSERT.
type Appender struct {
	conn *sql.Conn
	app  *duckdb.Appender
}

// NewAppender reserves a connection of db and opens an appender on table (in the main schema).
// Close it to flush the rows and release the connection.
func NewAppender(ctx context.Context, db *sql.DB, table string) (*Appender, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("appender %s: %w", table, err)
	}
	var app *duckdb.Appender
	err = conn.Raw(func(dc any) error {
		var err error
		app, err = duckdb.NewAppenderFromConn(dc.(driver.Conn), "", table)
		return err
	})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("appender %s: %w", table, err)
	}
	return &Appender{conn: conn, app: app}, nil
}

// Append adds one row; values are in the table's column order.
func (a *Appender) Append(values ...driver.Value) error {
	return a.app.AppendRow(values...)
}

// Close flushes the appended rows and releases the connection.
func (a *Appender) Close() error {
	err := a.app.Close()
	if cerr := a.conn.Close(); err == nil {
		err = cerr
	}
	return err
}
