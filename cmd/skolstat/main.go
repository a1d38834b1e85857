// Command skolstat pulls school data from the platform, protects every figure and serves
// dashboards, an API and downloads; see README.md for its subcommands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one subcommand: it parses its own flags from args and runs.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands lists the subcommands of DESIGN §7.
func commands() map[string]command {
	return map[string]command{
		"seed":       {"create the source contract in PostgreSQL and fill it with synthetic data", runSeed},
		"etl":        {"one nightly run: extract, build, protect, audit, publish, swap", runETL},
		"serve":      {"serve dashboards, API and downloads over the current snapshot", runServe},
		"demo":       {"synthetic data, a full run and the server, no PostgreSQL needed", runDemo},
		"runs":       {"list the recorded ETL runs", runRuns},
		"audit":      {"re-check a published snapshot as an attacker would", runAudit},
		"export":     {"write the published cells as csv, xlsx or parquet", runExport},
		"token":      {"issue a development token signed with the key in the data directory", runToken},
		"verify-log": {"verify the hash chain of the access log", runVerifyLog},
	}
}

// errUsage marks a command-line mistake: the usage has been printed, exit status 2.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "skolstat: unknown command %q\n", args[0])
		usage(stderr, cmds)
		return 2
	}
	if err := cmd.run(ctx, args[1:], stdout, stderr); err != nil {
		if errors.Is(err, errUsage) {
			return 2
		}
		fmt.Fprintf(stderr, "skolstat %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

func usage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "usage: skolstat <command> [flags]")
	fmt.Fprintln(w, "\ncommands:")
	for _, n := range names {
		fmt.Fprintf(w, "  %-11s %s\n", n, cmds[n].summary)
	}
}
