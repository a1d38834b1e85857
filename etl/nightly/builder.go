package nightly

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/skolstat/skolstat/etl/snapshot"
)

// ErrReleaseBlocked is returned (wrapped) by a Builder whose audit blocks the release: the
// snapshot is not published and the run is recorded as blocked, with the reason.
var ErrReleaseBlocked = errors.New("release blocked by the audit")

// RunInfo tells a Builder which run it builds for.
type RunInfo struct {
	ID          string    // the run id, also the snapshot's file name without extension
	DataDir     string    // the data directory (e.g. for the anonymize ledger)
	ExtractedAt time.Time // the source transaction's instant
	Source      string    // postgres or synthetic
}

// Content is what a Builder produces: the protected statistics and the tables that describe
// them. Everything in it is published as is.
type Content struct {
	Cells      []snapshot.Cell
	Areas      []snapshot.Area
	Statistics []snapshot.Statistic
	Subjects   []snapshot.Subject
	Relations  [][]snapshot.Term // relation i gets relation_id i+1
	Bounds     []snapshot.Bound
	Policy     string         // the protection policy, JSON
	Notes      map[string]int // counts for the run record, e.g. excluded protected-identity pupils
}

// Builder turns the warehouse into publishable content: statistics, protection, audit.
type Builder interface {
	Build(ctx context.Context, warehouse *sql.DB, run RunInfo) (*Content, error)
}

// BuilderFunc adapts a function to Builder.
type BuilderFunc func(ctx context.Context, warehouse *sql.DB, run RunInfo) (*Content, error)

// Build calls f.
func (f BuilderFunc) Build(ctx context.Context, warehouse *sql.DB, run RunInfo) (*Content, error) {
	return f(ctx, warehouse, run)
}
