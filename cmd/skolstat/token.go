package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/skolstat/skolstat/dashboards/auth"
)

// tokenConfig is the configuration of `skolstat token`.
type tokenConfig struct {
	DataDir string
	Role    string
	Scope   string
	Subject string
	TTL     time.Duration
}

// Validate checks the flags.
func (c *tokenConfig) Validate() error {
	if c.DataDir == "" {
		return errors.New("--data is required")
	}
	if c.TTL <= 0 || c.TTL > 30*24*time.Hour {
		return errors.New("--ttl must be between 1s and 720h")
	}
	_, err := c.principal()
	return err
}

func (c *tokenConfig) principal() (auth.Principal, error) {
	role, err := auth.ParseRole(c.Role)
	if err != nil {
		return auth.Principal{}, err
	}
	scopes, err := auth.ParseScopes(c.Scope)
	if err != nil {
		return auth.Principal{}, err
	}
	if len(scopes) == 0 {
		return auth.Principal{}, errors.New("--scope is required (e.g. school_unit:12345678, organiser:K0180, all)")
	}
	sub := c.Subject
	if sub == "" {
		sub = "dev-" + c.Role
	}
	p := auth.Principal{Subject: sub, Role: role, Scopes: scopes}
	return p, p.Validate()
}

// runToken prints a development token signed with DATA/dev-token.key (created if absent).
func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := &tokenConfig{}
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DataDir, "data", "", "data directory holding dev-token.key")
	fs.StringVar(&cfg.Role, "role", "", "principal, organiser, inspector or staff")
	fs.StringVar(&cfg.Scope, "scope", "", "scope(s), comma separated: school_unit:X, organiser:X, municipality:X, all")
	fs.StringVar(&cfg.Subject, "sub", "", "subject (default dev-<role>)")
	fs.DurationVar(&cfg.TTL, "ttl", 8*time.Hour, "validity")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "token: %v\n", err)
		return errUsage
	}
	p, _ := cfg.principal()
	key, err := auth.LoadOrCreateKey(filepath.Join(cfg.DataDir, auth.DevKeyFile))
	if err != nil {
		return err
	}
	tok, err := auth.NewDevTokens(key).Issue(p, cfg.TTL)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, tok)
	return err
}
