package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/skolstat/skolstat/etl/build"
	"github.com/skolstat/skolstat/etl/nightly"
	"github.com/skolstat/skolstat/etl/publish"
	"github.com/skolstat/skolstat/etl/synth"
)

// demoConfig is the configuration of `skolstat demo`.
type demoConfig struct {
	DataDir string
	Addr    string
	Profile string
	Seed    int64
	Rebuild bool
	// ProtectBudget bounds each protection attempt of the demo's run (see build.Builder.Budget).
	ProtectBudget time.Duration
	// CompleteLater, when the budget withheld statistics, protects everything again without
	// a time limit after the first snapshot is published and publishes the complete one.
	CompleteLater bool
}

// Validate checks the flags.
func (c *demoConfig) Validate() error {
	if c.DataDir == "" {
		return errors.New("--data is required")
	}
	if c.Addr == "" {
		return errors.New("--addr is required")
	}
	if c.ProtectBudget < 0 {
		return errors.New("--protect-budget must not be negative")
	}
	return synth.Options{Profile: c.Profile, Seed: c.Seed}.Validate()
}

func parseDemo(args []string, stderr io.Writer) (*demoConfig, error) {
	cfg := &demoConfig{}
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DataDir, "data", ".demo", "data directory for the demo's warehouse, snapshots and keys")
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "listen address")
	fs.StringVar(&cfg.Profile, "profile", "small", "synthetic profile: small or municipality")
	fs.Int64Var(&cfg.Seed, "seed", 1, "seed of the synthetic data")
	fs.BoolVar(&cfg.Rebuild, "rebuild", false, "generate and publish anew even when the data directory has a snapshot")
	fs.DurationVar(&cfg.ProtectBudget, "protect-budget", 90*time.Second, "time one protection attempt may take before the largest statistic is withheld (0: no limit)")
	fs.BoolVar(&cfg.CompleteLater, "complete-later", true, "when the budget withheld statistics, protect everything without a time limit in the background and publish the complete snapshot")
	if err := fs.Parse(args); err != nil {
		return nil, errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "demo: unexpected arguments %q\n", fs.Args())
		return nil, errUsage
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "demo: %v\n", err)
		return nil, errUsage
	}
	return cfg, nil
}

// runDemo generates synthetic data straight into the warehouse, runs the build, protection,
// audit and publication of a nightly run on it, and serves the result with demo users.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseDemo(args, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	_, err = publish.Current(cfg.DataDir)
	switch {
	case cfg.Rebuild || errors.Is(err, publish.ErrNoSnapshot):
		// The server starts at once (not ready) and picks the snapshot up when it is published.
		go func() {
			if err := demoPublish(ctx, cfg, log); err != nil && ctx.Err() == nil {
				log.Error("demo run failed: the server stays without a snapshot", "err", err)
			}
		}()
	case err != nil:
		return err
	default:
		log.Info("serving the existing demo snapshot (--rebuild makes a new one)", "data", cfg.DataDir)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	fmt.Fprintf(stdout, "skolstat demo: open http://%s/ and sign in as a demo user (the first run builds the snapshot first: the pages answer 503 until it is published)\n", ln.Addr())
	return serve(ctx, &serveConfig{DataDir: cfg.DataDir, Addr: cfg.Addr, DevAuth: true,
		ReloadInterval: 5 * time.Second, LogLevel: "info"}, ln, stderr)
}

// demoPublish fills a new warehouse with synthetic data and publishes it.
func demoPublish(ctx context.Context, cfg *demoConfig, log *slog.Logger) error {
	gen, err := synth.New(synth.Options{Profile: cfg.Profile, Seed: cfg.Seed})
	if err != nil {
		return err
	}
	ncfg := nightly.Config{DataDir: cfg.DataDir, Builder: &build.Builder{Logger: log, Budget: cfg.ProtectBudget}, Logger: log}
	if err := os.Remove(filepath.Join(cfg.DataDir, nightly.WarehouseFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove old demo warehouse: %w", err)
	}
	keyer, err := ncfg.Keyer()
	if err != nil {
		return err
	}
	wh, err := ncfg.OpenWarehouse(ctx)
	if err != nil {
		return err
	}
	defer wh.Close()
	start := time.Now()
	stats, err := gen.WriteWarehouse(ctx, wh, keyer.Key)
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	log.Info("synthetic data generated", "profile", cfg.Profile, "pupils", gen.Pupils(),
		"rows", stats.Total, "duration", time.Since(start).Round(time.Millisecond))
	extracted := time.Now()
	rec, err := nightly.Publish(ctx, ncfg, wh, "synthetic", extracted)
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	log.Info("demo snapshot published", "run", rec.ID, "cells", rec.Cells)
	if rec.Notes["statistics_withheld"] == 0 || cfg.ProtectBudget == 0 || !cfg.CompleteLater {
		return nil
	}
	// The budget kept the first snapshot quick by withholding what takes longest to protect
	// (the grade distributions). Protect everything without a budget now; the server picks
	// the complete snapshot up once it is published, and serves the first one until then.
	log.Info("protecting the withheld statistics without a time limit; the complete snapshot replaces this one when it is published",
		"withheld", rec.Notes["statistics_withheld"])
	ncfg.Builder = &build.Builder{Logger: log}
	rec, err = nightly.Publish(ctx, ncfg, wh, "synthetic", extracted)
	if err != nil {
		if ctx.Err() == nil {
			log.Error("the complete demo snapshot was not published: the first one stays", "err", err)
		}
		return nil
	}
	log.Info("complete demo snapshot published", "run", rec.ID, "cells", rec.Cells)
	return nil
}
