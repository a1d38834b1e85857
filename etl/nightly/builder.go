package nightly

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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

// AreasBuilder is the minimal Builder: it publishes the areas (nation, municipalities,
// organisers, school units) and the subjects of the warehouse, and no cells.
type AreasBuilder struct{}

// Build reads the areas and subjects from the warehouse.
func (AreasBuilder) Build(ctx context.Context, wh *sql.DB, run RunInfo) (*Content, error) {
	areas, err := Areas(ctx, wh)
	if err != nil {
		return nil, err
	}
	subjects, err := Subjects(ctx, wh)
	if err != nil {
		return nil, err
	}
	var protected int
	if err := wh.QueryRowContext(ctx, "SELECT count(*) FROM pupils WHERE protected_identity").Scan(&protected); err != nil {
		return nil, fmt.Errorf("count protected pupils: %w", err)
	}
	return &Content{Areas: areas, Subjects: subjects, Policy: "{}",
		Notes: map[string]int{"excluded_protected_identity_pupils": protected}}, nil
}

// Areas reads every area from the warehouse: the nation, the municipalities (named after
// their municipal organiser where there is one), the organisers and the school units.
func Areas(ctx context.Context, wh *sql.DB) ([]snapshot.Area, error) {
	areas := []snapshot.Area{{Level: snapshot.LevelNation, Code: snapshot.NationCode, Name: "Riket"}}
	rows, err := wh.QueryContext(ctx, `
		WITH codes AS (
		    SELECT municipality_code FROM school_units WHERE municipality_code IS NOT NULL
		    UNION SELECT municipality_code FROM organisers WHERE municipality_code IS NOT NULL)
		SELECT 'municipality', c.municipality_code,
		       coalesce((SELECT min(o.name) FROM organisers o
		                 WHERE o.organiser_type = 'municipal' AND o.municipality_code = c.municipality_code),
		                'Kommun ' || c.municipality_code), '', ''
		FROM codes c
		UNION ALL
		SELECT 'organiser', organiser_id, coalesce(name, organiser_id), '', coalesce(municipality_code, '') FROM organisers
		UNION ALL
		SELECT 'school_unit', school_unit_code, coalesce(name, school_unit_code), coalesce(organiser_id, ''),
		       coalesce(municipality_code, '') FROM school_units
		ORDER BY 1, 2`)
	if err != nil {
		return nil, fmt.Errorf("read areas: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a snapshot.Area
		if err := rows.Scan(&a.Level, &a.Code, &a.Name, &a.OrganiserID, &a.MunicipalityCode); err != nil {
			return nil, fmt.Errorf("read areas: %w", err)
		}
		areas = append(areas, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read areas: %w", err)
	}
	return areas, nil
}

// Subjects reads the subjects from the warehouse.
func Subjects(ctx context.Context, wh *sql.DB) ([]snapshot.Subject, error) {
	rows, err := wh.QueryContext(ctx, `SELECT subject_code, coalesce(name_sv, subject_code),
		coalesce(name_en, subject_code) FROM subjects ORDER BY subject_code`)
	if err != nil {
		return nil, fmt.Errorf("read subjects: %w", err)
	}
	defer rows.Close()
	var out []snapshot.Subject
	for rows.Next() {
		var s snapshot.Subject
		if err := rows.Scan(&s.Code, &s.NameSV, &s.NameEN); err != nil {
			return nil, fmt.Errorf("read subjects: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read subjects: %w", err)
	}
	return out, nil
}
