//go:build duckdb_arrow

package duck

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/array"
	duckdb "github.com/duckdb/duckdb-go/v2"
)

// RegisterArrowView registers reader as a view called name on conn (DuckDB's Arrow scan), so
// that a statement on the same connection, e.g. INSERT INTO t SELECT ... FROM name, pulls the
// record batches as it runs: the rows stream through without being materialised. Call release
// after the statement has finished; the view is valid on conn only.
func RegisterArrowView(ctx context.Context, conn *sql.Conn, reader array.RecordReader, name string) (release func(), err error) {
	err = conn.Raw(func(dc any) error {
		a, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		release, err = a.RegisterView(reader, name)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("register arrow view %s: %w", name, err)
	}
	return release, nil
}

// QueryArrow runs query on conn and returns its result as Arrow record batches (DuckDB's Arrow
// interface: far faster than scanning rows for large results). Release the reader when done;
// conn must stay reserved until then.
func QueryArrow(ctx context.Context, conn *sql.Conn, query string, args ...any) (array.RecordReader, error) {
	var rr array.RecordReader
	err := conn.Raw(func(dc any) error {
		a, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		rr, err = a.QueryContext(ctx, query, args...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("arrow query: %w", err)
	}
	return rr, nil
}
