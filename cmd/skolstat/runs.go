package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/skolstat/skolstat/etl/runlog"
)

// runsConfig is the configuration of `skolstat runs`.
type runsConfig struct {
	DataDir string
	JSON    bool
	Last    int
}

// Validate checks the flags.
func (c *runsConfig) Validate() error {
	if c.DataDir == "" {
		return errors.New("--data is required")
	}
	if c.Last < 0 {
		return errors.New("--last must not be negative")
	}
	return nil
}

// runRuns lists the recorded ETL runs, newest last.
func runRuns(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := &runsConfig{}
	fs := flag.NewFlagSet("runs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DataDir, "data", "", "data directory")
	fs.BoolVar(&cfg.JSON, "json", false, "print the run records as JSON")
	fs.IntVar(&cfg.Last, "last", 0, "only the last N runs (0: all)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "runs: %v\n", err)
		fs.Usage()
		return errUsage
	}
	runs, err := runlog.List(cfg.DataDir)
	if err != nil {
		return err
	}
	if cfg.Last > 0 && len(runs) > cfg.Last {
		runs = runs[len(runs)-cfg.Last:]
	}
	if cfg.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if runs == nil {
			runs = []runlog.Run{}
		}
		return enc.Encode(runs)
	}
	if len(runs) == 0 {
		fmt.Fprintln(stdout, "no runs recorded")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tSTARTED (UTC)\tDURATION\tSTATUS\tLOAD\tROWS\tREJECTED\tCELLS\tSNAPSHOT / ERROR")
	for _, r := range runs {
		load := "incremental"
		if r.Full {
			load = "full"
		}
		if r.Source != "" && r.Source != "postgres" {
			load = r.Source
		}
		last := r.Snapshot
		if r.Error != "" {
			last = r.Error
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d%s\t%d\t%s\n", r.ID, r.Started.UTC().Format("2006-01-02 15:04:05"),
			r.Ended.Sub(r.Started).Round(10*time.Millisecond), r.Status, load, sum(r.Rows), sum(r.Rejects),
			rejectsText(r.Rejects), r.Cells, last)
	}
	return tw.Flush()
}
