// Package warehouse declares the pupil-level DuckDB warehouse that the ETL fills and the
// statistics in reports read.
package warehouse

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"strings"
)

// Schema is the warehouse DDL; every statement is idempotent.
//
//go:embed schema.sql
var Schema string

// Create creates the warehouse tables in db where they do not exist yet. A warehouse written
// before the re-keyed ids became UUIDs (pupil_id or user_id as 64 hex characters) has those
// tables dropped and recreated, and the ETL's bookkeeping (etl_state) with them, so that the
// next extraction reloads every table in full: the old ids cannot be converted, they are
// hashes of a different form.
func Create(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create warehouse schema: %w", err)
	}
	defer tx.Rollback()
	old, err := textIDTables(ctx, tx)
	if err != nil {
		return fmt.Errorf("create warehouse schema: %w", err)
	}
	if len(old) > 0 {
		for _, t := range append(old, "etl_state") {
			if _, err := tx.ExecContext(ctx, "DROP TABLE IF EXISTS "+t); err != nil {
				return fmt.Errorf("create warehouse schema: drop %s: %w", t, err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, Schema); err != nil {
		return fmt.Errorf("create warehouse schema: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("create warehouse schema: %w", err)
	}
	return nil
}

// idTables are the warehouse tables with a re-keyed id column.
var idTables = []string{"pupils", "placements", "grades", "national_tests", "assessments", "attendance", "usage_events"}

// textIDTables lists the warehouse tables whose pupil_id or user_id column is not a UUID.
func textIDTables(ctx context.Context, tx *sql.Tx) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT table_name FROM information_schema.columns
		WHERE table_catalog = current_database() AND table_schema = 'main'
		  AND table_name IN ('`+strings.Join(idTables, "', '")+`')
		  AND column_name IN ('pupil_id', 'user_id') AND data_type <> 'UUID'
		ORDER BY table_name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}
