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
	"strings"
	"time"

	"github.com/skolstat/skolstat/dashboards"
	"github.com/skolstat/skolstat/dashboards/accesslog"
	"github.com/skolstat/skolstat/dashboards/auth"
	"github.com/skolstat/skolstat/dashboards/pages"
	"github.com/skolstat/skolstat/dashboards/store"
	"github.com/skolstat/skolstat/etl/nightly"
	"github.com/skolstat/skolstat/etl/runlog"
	"github.com/skolstat/skolstat/etl/snapshot"
)

// serveConfig is the configuration of `skolstat serve`.
type serveConfig struct {
	DataDir        string
	Addr           string
	DevAuth        bool
	OIDC           auth.OIDCConfig
	OIDCRoleMap    string
	Schedule       string
	PG             string
	ReloadInterval time.Duration
	LogLevel       string
	ProtectBudget  time.Duration
}

// Validate checks the flags.
func (c *serveConfig) Validate() error {
	if c.DataDir == "" {
		return errors.New("--data is required")
	}
	if c.Addr == "" {
		return errors.New("--addr is required")
	}
	if !c.DevAuth && c.OIDC.Issuer == "" {
		return errors.New("no sign-in method: give --oidc-issuer (and --oidc-client-id, --oidc-redirect-url) or --dev-auth")
	}
	if c.OIDC.Issuer != "" && (c.OIDC.ClientID == "" || c.OIDC.RedirectURL == "") {
		return errors.New("--oidc-issuer needs --oidc-client-id and --oidc-redirect-url")
	}
	if (c.Schedule == "") != (c.PG == "") {
		return errors.New("--schedule and --pg go together")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("unknown --log-level %q", c.LogLevel)
	}
	return nil
}

func parseServe(args []string, stderr io.Writer) (*serveConfig, error) {
	cfg := &serveConfig{}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DataDir, "data", "", "data directory (published snapshots, keys, access log)")
	fs.StringVar(&cfg.Addr, "addr", ":8080", "listen address")
	fs.BoolVar(&cfg.DevAuth, "dev-auth", false, "accept development tokens and offer demo users (never in production)")
	fs.StringVar(&cfg.OIDC.Issuer, "oidc-issuer", "", "OpenID Connect issuer URL")
	fs.StringVar(&cfg.OIDC.ClientID, "oidc-client-id", "", "OpenID Connect client id")
	fs.StringVar(&cfg.OIDC.ClientSecret, "oidc-client-secret", "", "OpenID Connect client secret (or env SKOLSTAT_OIDC_CLIENT_SECRET)")
	fs.StringVar(&cfg.OIDC.RedirectURL, "oidc-redirect-url", "", "this server's callback URL, e.g. https://host/auth/callback")
	fs.StringVar(&cfg.OIDC.RoleClaim, "oidc-role-claim", "skolstat_role", "claim holding the role")
	fs.StringVar(&cfg.OIDC.ScopeClaim, "oidc-scope-claim", "skolstat_scope", "claim holding the scopes")
	fs.StringVar(&cfg.OIDCRoleMap, "oidc-role-map", "", "map provider role values to roles: value=role,value=role")
	fs.StringVar(&cfg.Schedule, "schedule", "", `cron schedule of the nightly ETL in this process, e.g. "0 2 * * *"`)
	fs.StringVar(&cfg.PG, "pg", "", "PostgreSQL URL for --schedule")
	fs.DurationVar(&cfg.ReloadInterval, "reload-interval", 30*time.Second, "how often to look for a new current snapshot")
	fs.DurationVar(&cfg.ProtectBudget, "protect-budget", DefaultProtectBudget, "with --schedule: time one protection attempt may take before the largest statistic is withheld (0: no limit)")
	fs.StringVar(&cfg.LogLevel, "log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return nil, errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "serve: unexpected arguments %q\n", fs.Args())
		return nil, errUsage
	}
	if cfg.OIDCRoleMap != "" {
		cfg.OIDC.RoleValues = map[string]auth.Role{}
		for _, kv := range strings.Split(cfg.OIDCRoleMap, ",") {
			k, v, ok := strings.Cut(kv, "=")
			r, err := auth.ParseRole(v)
			if !ok || err != nil {
				fmt.Fprintf(stderr, "serve: bad --oidc-role-map entry %q\n", kv)
				return nil, errUsage
			}
			cfg.OIDC.RoleValues[k] = r
		}
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "serve: %v\n", err)
		return nil, errUsage
	}
	return cfg, nil
}

// runServe serves dashboards, API and downloads until ctx is cancelled (SIGTERM, Ctrl-C).
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseServe(args, stderr)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	return serve(ctx, cfg, ln, stderr)
}

// serve builds the server's parts from cfg and serves on ln.
func serve(ctx context.Context, cfg *serveConfig, ln net.Listener, stderr io.Writer) error {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))

	st, err := store.Open(ctx, cfg.DataDir, store.WithLogger(log))
	if err != nil {
		return err
	}
	if !st.Ready() {
		log.Warn("no published snapshot yet: not ready until one is published", "data", cfg.DataDir)
	}
	sessionKey, err := auth.LoadOrCreateKey(filepath.Join(cfg.DataDir, "session.key"))
	if err != nil {
		return fmt.Errorf("session key: %w", err)
	}
	acfg := auth.Config{SessionKey: sessionKey, Logger: log, Areas: func() []snapshot.Area {
		if snap, err := st.Current(); err == nil {
			return snap.Areas()
		}
		return nil
	}}
	if cfg.DevAuth {
		key, err := auth.LoadOrCreateKey(filepath.Join(cfg.DataDir, auth.DevKeyFile))
		if err != nil {
			return fmt.Errorf("development token key: %w", err)
		}
		acfg.Dev = auth.NewDevTokens(key)
		log.Warn("development sign-in is on (--dev-auth): demo users and development tokens are accepted")
	}
	if cfg.OIDC.Issuer != "" {
		o := cfg.OIDC
		if o.ClientSecret == "" {
			o.ClientSecret = os.Getenv("SKOLSTAT_OIDC_CLIENT_SECRET")
		}
		acfg.OIDC = &o
	}
	authn, err := auth.New(ctx, acfg)
	if err != nil {
		return err
	}
	alog, err := accesslog.Open(filepath.Join(cfg.DataDir, accesslog.FileName), time.Second)
	if err != nil {
		return err
	}
	defer alog.Close()
	pg, err := pages.New(pages.Config{Current: pages.FromStore(st), Note: accesslog.Note, Logger: log})
	if err != nil {
		return err
	}
	srv, err := dashboards.New(dashboards.Config{
		Store: st, Auth: authn, AccessLog: alog, Logger: log, Pages: pg,
		LastRun: func() (dashboards.RunStatus, bool) { return lastRun(cfg.DataDir) },
	})
	if err != nil {
		return err
	}
	if cfg.Schedule != "" {
		sched, err := nightly.NewScheduler(cfg.Schedule, nightly.Config{DataDir: cfg.DataDir, PG: cfg.PG,
			Builder: etlBuilder(cfg.ProtectBudget, log), Logger: log})
		if err != nil {
			return err
		}
		sched.OnPublished = func(path string, rec runlog.Run) {
			if err := st.Reload(ctx); err != nil {
				log.Error("reload after nightly run", "run_id", rec.ID, "err", err)
			}
		}
		go func() {
			if err := sched.Run(ctx); err != nil {
				log.Error("nightly scheduler stopped", "err", err)
			}
		}()
	}
	go reloadLoop(ctx, st, cfg.ReloadInterval, log)
	return srv.Serve(ctx, ln)
}

// reloadLoop looks for a new current snapshot every interval (the ETL may run in another
// process) and swaps it in.
func reloadLoop(ctx context.Context, st *store.Store, every time.Duration, log *slog.Logger) {
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := st.Reload(ctx); err != nil && !errors.Is(err, store.ErrNoSnapshot) {
				log.Error("reload snapshot", "err", err)
			}
		}
	}
}

// lastRun reads the last recorded ETL run.
func lastRun(dataDir string) (dashboards.RunStatus, bool) {
	runs, err := runlog.List(dataDir)
	if err != nil || len(runs) == 0 {
		return dashboards.RunStatus{}, false
	}
	r := runs[len(runs)-1]
	return dashboards.RunStatus{RunID: r.ID, Status: r.Status, OK: r.Status == runlog.StatusSucceeded, Finished: r.Ended}, true
}
