// Package contract holds the source contract: the PostgreSQL schema export that the platform
// exposes and the ETL reads (DESIGN §2), as an embedded migration and as Go table descriptions.
package contract

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
)

// migration creates schema export and the contract tables; every statement is idempotent.
//
//go:embed export.sql
var migration string

// ErrForeignSchema means schema export holds relations that are not the contract's, or
// contract tables whose columns differ from it. Nothing is written when Apply returns it.
var ErrForeignSchema = errors.New("schema export is not the skolstat source contract")

// Beginner starts a transaction: *pgx.Conn, *pgxpool.Pool and pgx.Tx all are one.
type Beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Querier runs queries: *pgx.Conn, *pgxpool.Pool and pgx.Tx all are one.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Options tunes Apply.
type Options struct {
	// Reset drops the contract tables (and their rows) before creating them afresh.
	Reset bool
}

// lockKey serialises concurrent Apply calls on one database (pg_advisory_xact_lock).
const lockKey = 0x736b6f6c73746174 // "skolstat"

// Apply creates the contract in schema export in one transaction. Running it again is a
// no-op; with opts.Reset the contract tables are dropped and recreated empty. A schema export
// that holds other relations, or contract tables with other columns, is refused with
// ErrForeignSchema before anything is written.
func Apply(ctx context.Context, db Beginner, opts Options) error {
	tx, err := db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("apply contract: %w", err)
	}
	defer tx.Rollback(ctx)
	if err := ApplyTx(ctx, tx, opts); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("apply contract: commit: %w", err)
	}
	return nil
}

// ApplyTx is Apply inside the caller's transaction, so that the caller can fill the tables in
// the same transaction and commit all or nothing.
func ApplyTx(ctx context.Context, tx pgx.Tx, opts Options) error {
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(lockKey)); err != nil {
		return fmt.Errorf("apply contract: lock: %w", err)
	}
	problems, err := inspect(ctx, tx, true)
	if err != nil {
		return fmt.Errorf("apply contract: %w", err)
	}
	if len(problems) > 0 {
		return foreign(problems)
	}
	if opts.Reset {
		// Without CASCADE: anything outside the contract that depends on a table blocks the
		// reset instead of being dropped with it.
		tables := Tables()
		for i := len(tables) - 1; i >= 0; i-- {
			if _, err := tx.Exec(ctx, "DROP TABLE IF EXISTS "+tables[i].QualifiedName()); err != nil {
				return fmt.Errorf("apply contract: reset %s: %w", tables[i].Name, err)
			}
		}
	}
	if _, err := tx.Exec(ctx, migration); err != nil {
		return fmt.Errorf("apply contract: create: %w", err)
	}
	return nil
}

// Reset drops the contract tables and creates them afresh and empty, in one transaction.
func Reset(ctx context.Context, db Beginner) error {
	return Apply(ctx, db, Options{Reset: true})
}

// Verify checks, without writing, that every contract table is present in schema export (as
// a table or a view) with the contract's columns and types. Other relations in the schema
// are ignored. The returned error wraps ErrForeignSchema and names the first problems.
func Verify(ctx context.Context, q Querier) error {
	problems, err := inspect(ctx, q, false)
	if err != nil {
		return fmt.Errorf("verify contract: %w", err)
	}
	present, err := relations(ctx, q)
	if err != nil {
		return fmt.Errorf("verify contract: %w", err)
	}
	for _, t := range Tables() {
		if _, ok := present[t.Name]; !ok {
			problems = append(problems, fmt.Sprintf("table %s is missing", t.QualifiedName()))
		}
	}
	if len(problems) > 0 {
		return foreign(problems)
	}
	return nil
}

// foreign wraps the problems, at most a few of them, into one line.
func foreign(problems []string) error {
	const max = 4
	more := ""
	if len(problems) > max {
		more = fmt.Sprintf(" (and %d more)", len(problems)-max)
		problems = problems[:max]
	}
	return fmt.Errorf("%w: %s%s", ErrForeignSchema, strings.Join(problems, "; "), more)
}

// relations lists the relations of schema export (tables, views, foreign tables, sequences)
// by name with their relkind.
func relations(ctx context.Context, q Querier) (map[string]string, error) {
	rows, err := q.Query(ctx, `
		SELECT c.relname, c.relkind::text
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')`, Schema)
	if err != nil {
		return nil, fmt.Errorf("list relations: %w", err)
	}
	present := map[string]string{}
	for rows.Next() {
		var name, kind string
		if err := rows.Scan(&name, &kind); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list relations: %w", err)
		}
		present[name] = kind
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list relations: %w", err)
	}
	return present, nil
}

// columns reads the columns of export.table as name → format_type.
func columns(ctx context.Context, q Querier, table string) (map[string]string, error) {
	rows, err := q.Query(ctx, `
		SELECT a.attname, format_type(a.atttypid, a.atttypmod)
		FROM pg_attribute a
		JOIN pg_class c ON c.oid = a.attrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped`,
		Schema, table)
	if err != nil {
		return nil, fmt.Errorf("read columns of %s: %w", table, err)
	}
	cols := map[string]string{}
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read columns of %s: %w", table, err)
		}
		cols[name] = typ
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read columns of %s: %w", table, err)
	}
	return cols, nil
}

// inspect compares schema export with the contract and describes every difference. With
// strict, relations that are not contract tables, and contract names that are not plain
// tables, are problems too.
func inspect(ctx context.Context, q Querier, strict bool) ([]string, error) {
	present, err := relations(ctx, q)
	if err != nil {
		return nil, err
	}
	want := map[string]Table{}
	for _, t := range Tables() {
		want[t.Name] = t
	}
	names := make([]string, 0, len(present))
	for n := range present {
		names = append(names, n)
	}
	sort.Strings(names)
	var problems []string
	for _, name := range names {
		kind := present[name]
		t, ok := want[name]
		if !ok {
			if strict {
				problems = append(problems, fmt.Sprintf("%s %s.%s is not part of the contract", kindName(kind), Schema, name))
			}
			continue
		}
		if strict && kind != "r" {
			problems = append(problems, fmt.Sprintf("%s is a %s, not a table", t.QualifiedName(), kindName(kind)))
			continue
		}
		got, err := columns(ctx, q, name)
		if err != nil {
			return nil, err
		}
		for _, c := range t.Columns {
			typ, ok := got[c.Name]
			switch {
			case !ok:
				problems = append(problems, fmt.Sprintf("%s lacks column %s", t.QualifiedName(), c.Name))
			case typ != c.Type:
				problems = append(problems, fmt.Sprintf("%s.%s is %s, want %s", t.QualifiedName(), c.Name, typ, c.Type))
			}
			delete(got, c.Name)
		}
		extra := make([]string, 0, len(got))
		for n := range got {
			extra = append(extra, n)
		}
		sort.Strings(extra)
		for _, n := range extra {
			problems = append(problems, fmt.Sprintf("%s has column %s that is not in the contract", t.QualifiedName(), n))
		}
	}
	return problems, nil
}

// kindName names a pg_class relkind for an error message.
func kindName(kind string) string {
	switch kind {
	case "r", "p":
		return "table"
	case "v":
		return "view"
	case "m":
		return "materialized view"
	case "f":
		return "foreign table"
	case "S":
		return "sequence"
	}
	return "relation"
}
