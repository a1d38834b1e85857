package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/skolstat/skolstat/etl/build"
	"github.com/skolstat/skolstat/etl/nightly"
)

// etlConfig is the configuration of `skolstat etl`.
type etlConfig struct {
	PG             string
	DataDir        string
	Full           bool
	Keep           int
	MaxRejectShare float64
	Quiet          bool
	ProtectBudget  time.Duration
}

// Validate checks the flags.
func (c *etlConfig) Validate() error {
	switch {
	case c.PG == "":
		return errors.New("--pg is required")
	case c.DataDir == "":
		return errors.New("--data is required")
	case c.Keep < 1:
		return errors.New("--keep must be at least 1")
	case c.MaxRejectShare <= 0 || c.MaxRejectShare > 1:
		return errors.New("--max-reject-share must lie in (0, 1]")
	case c.ProtectBudget < 0:
		return errors.New("--protect-budget must not be negative")
	}
	return nil
}

// DefaultProtectBudget is how long one protection attempt of a nightly run may take before
// the largest statistic is withheld from the release (see build.Builder.Budget).
const DefaultProtectBudget = 20 * time.Minute

// etlBuilder is the build step of a run: statistics, protection and audit.
func etlBuilder(budget time.Duration, log *slog.Logger) nightly.Builder {
	return &build.Builder{Budget: budget, Logger: log}
}

// runETL runs one nightly ETL run.
func runETL(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := &etlConfig{}
	fs := flag.NewFlagSet("etl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.PG, "pg", "", "PostgreSQL connection string of the source (schema export)")
	fs.StringVar(&cfg.DataDir, "data", "", "data directory")
	fs.BoolVar(&cfg.Full, "full", false, "reload every table in full (no incremental loading)")
	fs.IntVar(&cfg.Keep, "keep", nightly.DefaultKeep, "published snapshots to keep")
	fs.Float64Var(&cfg.MaxRejectShare, "max-reject-share", 0.05, "fail the run when a larger share of rows is rejected")
	fs.BoolVar(&cfg.Quiet, "quiet", false, "print nothing on success")
	fs.DurationVar(&cfg.ProtectBudget, "protect-budget", DefaultProtectBudget, "time one protection attempt may take before the largest statistic is withheld (0: no limit)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "etl: %v\n", err)
		fs.Usage()
		return errUsage
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	rec, err := nightly.Run(ctx, nightly.Config{
		DataDir: cfg.DataDir, PG: cfg.PG, Full: cfg.Full, Keep: cfg.Keep,
		MaxRejectShare: cfg.MaxRejectShare, Builder: etlBuilder(cfg.ProtectBudget, log),
		Logger: log,
	})
	if err != nil {
		return err
	}
	if !cfg.Quiet {
		fmt.Fprintf(stdout, "run %s %s: snapshot %s, %d cells, %d rows read, %d rejected%s\n",
			rec.ID, rec.Status, rec.Snapshot, rec.Cells, sum(rec.Rows), sum(rec.Rejects), rejectsText(rec.Rejects))
	}
	return nil
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// rejectsText renders rejects per rule as " (rule n, rule n)".
func rejectsText(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
