package synth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/skolstat/skolstat/etl/contract"
)

// ErrNotSynthetic means the contract tables already hold rows that skolstat seed did not
// write; they are replaced only with Reset.
var ErrNotSynthetic = errors.New("schema export holds data that skolstat seed did not write")

// marker is the comment on export.pupils that identifies seeded data.
const marker = "skolstat synthetic data"

// Stats reports what a write produced.
type Stats struct {
	// Rows counts the rows written per table.
	Rows map[string]int64
	// Total is the sum of Rows.
	Total int64
	// Elapsed is the wall time of the write.
	Elapsed time.Duration
}

// RowsPerSecond is the write throughput.
func (s Stats) RowsPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Total) / s.Elapsed.Seconds()
}

// PostgresOptions tune WritePostgres.
type PostgresOptions struct {
	// Reset drops and recreates the contract tables first (contract.Options.Reset). Without
	// it, rows from an earlier seed are replaced, and rows of any other origin are refused.
	Reset bool
	// Progress, when set, is called after each table with its row count.
	Progress func(table string, rows int64)
}

// WritePostgres creates the source contract in db and fills it with the generated rows using
// COPY, all in one transaction: on any error nothing is left behind. A schema export holding
// foreign relations is refused with contract.ErrForeignSchema.
func (g *Generator) WritePostgres(ctx context.Context, db contract.Beginner, opts PostgresOptions) (Stats, error) {
	start := time.Now()
	st := Stats{Rows: map[string]int64{}}
	tx, err := db.Begin(ctx)
	if err != nil {
		return st, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(ctx)
	if err := contract.ApplyTx(ctx, tx, contract.Options{Reset: opts.Reset}); err != nil {
		return st, err
	}
	if err := clearSeeded(ctx, tx); err != nil {
		return st, err
	}
	if _, err := tx.Exec(ctx, "SET LOCAL maintenance_work_mem = '1GB'"); err != nil {
		return st, fmt.Errorf("%w", err)
	}
	// Loading without the primary-key indexes and building them afterwards is much faster;
	// a duplicate key still fails the whole transaction when they are added back.
	tables := contract.Tables()
	for _, t := range tables {
		if len(t.PrimaryKey) == 0 {
			continue
		}
		if _, err := tx.Exec(ctx, fmt.Sprintf("ALTER TABLE %s DROP CONSTRAINT IF EXISTS %s_pkey", t.QualifiedName(), t.Name)); err != nil {
			return st, fmt.Errorf("%s: %w", t.Name, err)
		}
	}
	for _, t := range tables {
		src, err := g.Rows(t.Name)
		if err != nil {
			return st, err
		}
		n, err := tx.CopyFrom(ctx, pgx.Identifier{contract.Schema, t.Name}, src.Columns(), src)
		if err != nil {
			return st, fmt.Errorf("copy %s: %w", t.Name, err)
		}
		st.Rows[t.Name] = n
		st.Total += n
		if opts.Progress != nil {
			opts.Progress(t.Name, n)
		}
	}
	for _, t := range tables {
		if len(t.PrimaryKey) == 0 {
			continue
		}
		if _, err := tx.Exec(ctx, fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s_pkey PRIMARY KEY (%s)",
			t.QualifiedName(), t.Name, strings.Join(t.PrimaryKey, ", "))); err != nil {
			return st, fmt.Errorf("primary key of %s: %w", t.Name, err)
		}

	}
	comment := fmt.Sprintf("%s: profile %s, seed %d, scale %v", marker, g.prof.Name, g.opts.Seed, g.scale())
	if _, err := tx.Exec(ctx, "COMMENT ON TABLE export.pupils IS "+quote(comment)); err != nil {
		return st, fmt.Errorf("%w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return st, fmt.Errorf("commit: %w", err)
	}
	st.Elapsed = time.Since(start)
	return st, nil
}

func (g *Generator) scale() float64 {
	if g.opts.Scale == 0 {
		return 1
	}
	return g.opts.Scale
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// clearSeeded empties the contract tables when they are empty already or hold an earlier
// seed, and refuses with ErrNotSynthetic otherwise.
func clearSeeded(ctx context.Context, tx pgx.Tx) error {
	var comment *string
	if err := tx.QueryRow(ctx, "SELECT obj_description('export.pupils'::regclass, 'pg_class')").Scan(&comment); err != nil {
		return fmt.Errorf("read seed marker: %w", err)
	}
	tables := contract.Tables()
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = t.QualifiedName()
	}
	if comment == nil || !strings.HasPrefix(*comment, marker) {
		for _, t := range tables {
			var any bool
			if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+t.QualifiedName()+")").Scan(&any); err != nil {
				return fmt.Errorf("check %s: %w", t.Name, err)
			}
			if any {
				return fmt.Errorf("%w (%s has rows; pass --reset to replace them)", ErrNotSynthetic, t.QualifiedName())
			}
		}
	}
	if _, err := tx.Exec(ctx, "TRUNCATE "+strings.Join(names, ", ")); err != nil {
		return fmt.Errorf("truncate: %w", err)
	}
	return nil
}
