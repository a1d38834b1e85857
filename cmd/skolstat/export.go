package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/skolstat/skolstat/dashboards/download"
	"github.com/skolstat/skolstat/dashboards/store"
	"github.com/skolstat/skolstat/etl/publish"
)

// exportConfig is the configuration of `skolstat export`.
type exportConfig struct {
	DataDir  string
	Snapshot string
	Format   string
	Out      string
}

// Validate checks the flags.
func (c *exportConfig) Validate() error {
	if (c.DataDir == "") == (c.Snapshot == "") {
		return errors.New("give exactly one of --data and --snapshot")
	}
	switch c.Format {
	case download.FormatCSV, download.FormatXLSX, download.FormatParquet:
	default:
		return fmt.Errorf("unknown --format %q (want csv, xlsx or parquet)", c.Format)
	}
	return nil
}

// runExport writes every published cell of a snapshot in the published format.
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := &exportConfig{}
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DataDir, "data", "", "data directory: export its current snapshot")
	fs.StringVar(&cfg.Snapshot, "snapshot", "", "a published snapshot file")
	fs.StringVar(&cfg.Format, "format", "csv", "csv, xlsx or parquet")
	fs.StringVar(&cfg.Out, "out", "", "output file (default standard output)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "export: %v\n", err)
		return errUsage
	}
	path := cfg.Snapshot
	if cfg.DataDir != "" {
		p, err := publish.Current(cfg.DataDir)
		if err != nil {
			return err
		}
		path = p
	}
	if cfg.Format == download.FormatParquet {
		return exportParquet(ctx, path, cfg.Out, stdout)
	}
	snap, err := store.Load(ctx, path)
	if err != nil {
		return err
	}
	return writeOut(cfg.Out, stdout, func(w io.Writer) error {
		if cfg.Format == download.FormatXLSX {
			return download.WriteXLSX(w, snap.AllCells())
		}
		return download.WriteCSV(w, snap.AllCells())
	})
}

// exportParquet lets DuckDB write the file; for standard output it goes through a temporary
// file.
func exportParquet(ctx context.Context, snapshotPath, out string, stdout io.Writer) error {
	if out != "" {
		return download.WriteParquet(ctx, snapshotPath, out)
	}
	dir, err := os.MkdirTemp("", "skolstat-export-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "cells.parquet")
	if err := download.WriteParquet(ctx, snapshotPath, tmp); err != nil {
		return err
	}
	f, err := os.Open(tmp)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(stdout, f)
	return err
}

// writeOut writes to the file out (replaced only when complete) or to stdout.
func writeOut(out string, stdout io.Writer, write func(io.Writer) error) error {
	if out == "" {
		bw := bufio.NewWriter(stdout)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	tmp := out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := write(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("export: %w", err)
	}
	if err := os.Rename(tmp, out); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}
