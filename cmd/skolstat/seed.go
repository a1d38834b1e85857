package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/skolstat/skolstat/etl/synth"
)

// seedConfig is the configuration of `skolstat seed`.
type seedConfig struct {
	PG      string
	Profile string
	Seed    int64
	Scale   float64
	Reset   bool
	Quiet   bool
}

// Validate checks the flags.
func (c *seedConfig) Validate() error {
	if c.PG == "" {
		return errors.New("--pg is required (or set SKOLSTAT_PG)")
	}
	return synth.Options{Profile: c.Profile, Seed: c.Seed, Scale: c.Scale}.Validate()
}

// runSeed creates the source contract in PostgreSQL and fills it with synthetic data.
func runSeed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := &seedConfig{}
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.PG, "pg", os.Getenv("SKOLSTAT_PG"), "PostgreSQL connection string (default $SKOLSTAT_PG)")
	fs.StringVar(&cfg.Profile, "profile", "small", "size: small, municipality or national")
	fs.Int64Var(&cfg.Seed, "seed", 1, "random seed; the same seed gives the same rows")
	fs.Float64Var(&cfg.Scale, "scale", 1, "multiply the number of pupils (national at 1 is about 1.1 million)")
	fs.BoolVar(&cfg.Reset, "reset", false, "drop and recreate the contract tables first")
	fs.BoolVar(&cfg.Quiet, "quiet", false, "print nothing on success")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "seed: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "seed: %v\n", err)
		fs.Usage()
		return errUsage
	}
	gen, err := synth.New(synth.Options{Profile: cfg.Profile, Seed: cfg.Seed, Scale: cfg.Scale})
	if err != nil {
		return err
	}
	conn, err := seedConnect(ctx, cfg.PG)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	st, err := gen.WritePostgres(ctx, conn, synth.PostgresOptions{Reset: cfg.Reset})
	if err != nil {
		return fmt.Errorf("nothing was written: %s", oneLine(err))
	}
	if !cfg.Quiet {
		fmt.Fprintf(stdout, "seeded profile %s (seed %d): %d school units, %d pupils, school years %s; %d rows in %s (%.0f rows/s)\n",
			cfg.Profile, cfg.Seed, gen.SchoolUnits(), gen.Pupils(), strings.Join(gen.SchoolYears(), ", "),
			st.Total, st.Elapsed.Round(time.Millisecond), st.RowsPerSecond())
	}
	return nil
}

// seedConnect opens one connection and turns the usual failures into a one-line reason that
// never repeats the password.
func seedConnect(ctx context.Context, url string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, errors.New("--pg is not a valid PostgreSQL connection string")
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	where := fmt.Sprintf("%s:%d", cfg.Host, cfg.Port)
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err == nil {
		return conn, nil
	}
	var pgErr *pgconn.PgError
	var opErr *net.OpError
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &pgErr) && (pgErr.Code == "28P01" || pgErr.Code == "28000"):
		return nil, fmt.Errorf("PostgreSQL at %s refused user %q: %s (wrong password?)", where, cfg.User, pgErr.Message)
	case errors.As(err, &pgErr) && pgErr.Code == "3D000":
		return nil, fmt.Errorf("PostgreSQL at %s: database %q does not exist", where, cfg.Database)
	case errors.As(err, &pgErr):
		return nil, fmt.Errorf("PostgreSQL at %s: %s (SQLSTATE %s)", where, pgErr.Message, pgErr.Code)
	case errors.As(err, &dnsErr):
		return nil, fmt.Errorf("cannot reach PostgreSQL at %s: %s", where, oneLine(dnsErr))
	case errors.As(err, &opErr):
		return nil, fmt.Errorf("cannot reach PostgreSQL at %s: %s", where, oneLine(opErr))
	case errors.Is(err, context.DeadlineExceeded):
		return nil, fmt.Errorf("cannot reach PostgreSQL at %s: no answer within %s", where, cfg.ConnectTimeout)
	}
	return nil, fmt.Errorf("connect to PostgreSQL at %s: %s", where, oneLine(err))
}

// oneLine flattens a possibly multi-line error message.
func oneLine(err error) string {
	if err == nil {
		return "unknown error"
	}
	return strings.Join(strings.Fields(err.Error()), " ")
}
