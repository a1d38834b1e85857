// Package warehouse declares the pupil-level DuckDB warehouse that the ETL fills and the
// statistics in reports read.
package warehouse

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
)

// Schema is the warehouse DDL; every statement is idempotent.
//
//go:embed schema.sql
var Schema string

// Create creates the warehouse tables in db where they do not exist yet.
func Create(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, Schema); err != nil {
		return fmt.Errorf("create warehouse schema: %w", err)
	}
	return nil
}
