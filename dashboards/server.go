// Package dashboards is the web server: it owns the Gin engine, middleware (security headers,
// metrics, authentication, CSRF, access log), the API under /api/v1, downloads, operations
// routes, and maps every handler error to a status in one place.
package dashboards

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/skolstat/skolstat/dashboards/accesslog"
	"github.com/skolstat/skolstat/dashboards/auth"
	"github.com/skolstat/skolstat/dashboards/store"
)

// Pages registers the server-rendered pages and their assets on the server's router, which
// already carries every middleware.
type Pages interface {
	Register(r gin.IRouter)
}

// ErrorPager is optionally implemented by Pages to render an error as an HTML page.
type ErrorPager interface {
	ErrorPage(c *gin.Context, status int, message string)
}

// RunStatus describes the last ETL run for /metrics and /api/v1/snapshot.
type RunStatus struct {
	RunID    string    `json:"run_id"`
	Status   string    `json:"status"`
	OK       bool      `json:"ok"`
	Finished time.Time `json:"finished"`
}

// Config holds the parts the server is built from.
type Config struct {
	Store     *store.Store
	Auth      *auth.Authenticator
	AccessLog *accesslog.Log
	Logger    *slog.Logger
	// Pages, when set, registers the pages (the browser UI).
	Pages Pages
	// LastRun, when set, reports the last ETL run (found false when there is none).
	LastRun func() (run RunStatus, found bool)
	// Registry receives the metrics; nil makes a new one (served at /metrics).
	Registry *prometheus.Registry
	// MaxBodyBytes limits request bodies (default 64 KiB).
	MaxBodyBytes int64
	// MaxURLBytes limits the request target (default 4 KiB).
	MaxURLBytes int
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	switch {
	case c.Store == nil:
		return errors.New("server config: no store")
	case c.Auth == nil:
		return errors.New("server config: no authenticator")
	case c.AccessLog == nil:
		return errors.New("server config: no access log")
	}
	return nil
}

// Server serves pages, API, downloads and operations routes.
type Server struct {
	cfg      Config
	log      *slog.Logger
	store    *store.Store
	engine   *gin.Engine
	metrics  *metrics
	errPage  ErrorPager
	openapi  []byte
	visCache visCache
	// cellsCache holds the JSON answers of the cells route for the current snapshot.
	cellsCache cellsCache
}

// New builds the server and its routes.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 64 << 10
	}
	if cfg.MaxURLBytes <= 0 {
		cfg.MaxURLBytes = 4 << 10
	}
	s := &Server{cfg: cfg, log: cfg.Logger, store: cfg.Store}
	if ep, ok := cfg.Pages.(ErrorPager); ok {
		s.errPage = ep
	}
	m, err := newMetrics(cfg.Registry, cfg.Store, cfg.LastRun)
	if err != nil {
		return nil, err
	}
	s.metrics = m
	if err := s.loadOpenAPI(); err != nil {
		return nil, err
	}
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.ContextWithFallback = true
	e.RemoveExtraSlash = false
	e.HandleMethodNotAllowed = true
	e.Use(s.recover, securityHeaders, s.limits, s.observe,
		accesslog.Middleware(cfg.AccessLog, s.log, loggedRoute), s.handleErrors,
		cfg.Auth.Middleware(), cfg.Auth.CSRF())
	e.NoRoute(func(c *gin.Context) { s.fail(c, http.StatusNotFound, "not found") })
	e.NoMethod(func(c *gin.Context) { s.fail(c, http.StatusMethodNotAllowed, "method not allowed") })

	e.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", gin.WrapH(m.handler()))
	cfg.Auth.Register(e)
	s.registerAPI(e.Group("/api/v1"))
	if cfg.Pages != nil {
		cfg.Pages.Register(e)
	}
	s.engine = e
	return s, nil
}

// loggedRoute reports the routes that always get an access-log line: the API (statistics,
// areas, cells, downloads), whatever the outcome.
func loggedRoute(route string) bool {
	return strings.HasPrefix(route, "/api/v1/") && route != "/api/v1/openapi.json"
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.engine }

// Serve serves on ln until ctx is cancelled, then shuts down gracefully (in-flight requests
// get up to 10 s).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.engine,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	s.log.Info("serving", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	s.log.Info("server stopped")
	return nil
}

func (s *Server) readyz(c *gin.Context) {
	snap, err := s.store.Current()
	if err != nil {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "not ready", "error": "no snapshot loaded"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready", "run_id": snap.Meta().RunID})
}
