package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/skolstat/skolstat/dashboards/accesslog"
)

// runVerifyLog checks the hash chain of DATA/access.log (or --file): exit 1 naming the first
// edited, deleted, inserted or reordered line.
func runVerifyLog(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("verify-log", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", "", "data directory holding access.log")
	file := fs.String("file", "", "an access log file (instead of --data)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	path := *file
	if path == "" {
		if *dataDir == "" {
			fmt.Fprintln(stderr, "verify-log: --data or --file is required")
			return errUsage
		}
		path = filepath.Join(*dataDir, accesslog.FileName)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open access log: %w", err)
	}
	defer f.Close()
	n, err := accesslog.Verify(f)
	if errors.Is(err, accesslog.ErrTampered) {
		return fmt.Errorf("%s: %w (%d lines before it verified)", path, err, n)
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s: %d lines, chain intact\n", path, n)
	return err
}
