// Package snapshot declares the published snapshot: the immutable DuckDB file of protected cells
// that the server reads and the downloads copy (DESIGN §5).
package snapshot

import (
	_ "embed"
	"time"
)

// Schema is the DDL of a published snapshot file.
//
//go:embed schema.sql
var Schema string

// Statuses of a published cell (DESIGN §4).
const (
	StatusShown               = "shown"
	StatusSuppressedPrimary   = "suppressed_primary"
	StatusSuppressedSecondary = "suppressed_secondary"
	StatusCoded               = "coded"
	StatusMissing             = "missing"
)

// Area levels.
const (
	LevelNation       = "nation"
	LevelMunicipality = "municipality"
	LevelOrganiser    = "organiser"
	LevelSchoolUnit   = "school_unit"
)

// NationCode is the area code of the nation.
const NationCode = "SE"

// Cell is one row of the published format. Nil pointers are nulls ("all").
type Cell struct {
	ID         int64
	Statistic  string
	Period     string
	AreaLevel  string
	AreaCode   string
	GradeLevel *int
	Subject    *string
	Gender     *string
	Category   *string
	Measure    string
	Value      *float64 // nil unless Status is StatusShown
	Display    string
	Status     string
}

// Area is one row of the areas table.
type Area struct {
	Level            string
	Code             string
	Name             string
	OrganiserID      string // school units only
	MunicipalityCode string // school units and municipal organisers
}

// Statistic is one row of the catalogue.
type Statistic struct {
	ID            string
	NameSV        string
	NameEN        string
	DescriptionSV string
	DescriptionEN string
	Unit          string
	Measures      []string
	Dimensions    []string
	Population    string
}

// Subject names one subject code.
type Subject struct {
	Code   string
	NameSV string
	NameEN string
}

// Term is one cell's coefficient in a published relation.
type Term struct {
	CellID int64
	Coef   float64
}

// Bound is what a reader learns of an additive cell from its display alone; Upper nil means
// unbounded.
type Bound struct {
	CellID int64
	Lower  float64
	Upper  *float64
}

// Meta is the snapshot's one row of description.
type Meta struct {
	RunID       string
	ExtractedAt time.Time
	PublishedAt time.Time
	Policy      string // JSON
	Source      string
}
