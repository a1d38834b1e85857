package reports

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/skolstat/skolstat/anonymize"
	"github.com/skolstat/skolstat/etl/snapshot"
)

// ErrUnknownStatistic is returned for an Options.Statistics id not in the catalogue.
var ErrUnknownStatistic = errors.New("unknown statistic")

// Options tunes a build.
type Options struct {
	// Now is the build's instant: periods that ended before it are closed, and assessment
	// freshness is measured at it when the term has not ended. Zero means time.Now().
	Now time.Time
	// Statistics restricts the build to these ids; empty builds the whole catalogue.
	Statistics []string
}

// Cube is the whole catalogue computed over one warehouse: the additive cells handed to
// protection, the exact relations between them, and what Publish needs to turn protection
// outcomes into published rows.
type Cube struct {
	// Cells are the additive cells, one per published count (or n), plus the internal cells of
	// pupils of unknown gender.
	Cells []anonymize.Cell
	// Relations are exact: the Count of Total equals the sum of the Counts of Parts.
	Relations []anonymize.Relation
	// Excluded is the number of pupils left out of every statistic for protected identity
	// (for the run report only; never published).
	Excluded int
	// PerStatistic is the number of cells per statistic id.
	PerStatistic map[string]int
	// Statistics is the catalogue of the statistics built, Areas every area of the warehouse
	// (nation, municipalities, organisers, school units), Subjects every subject code.
	Statistics []snapshot.Statistic
	Areas      []snapshot.Area
	Subjects   []snapshot.Subject

	meta   []cellMeta
	vals   [][3]float64
	blocks []block
	areas  []areaRef
}

// cellMeta places one cell in its block's frame.
type cellMeta struct {
	block   int32
	area    int32 // index into Cube.areas
	grade   int8  // -1 = all grade levels
	gender  uint8 // genderF, genderM, genderU, genderAll
	subject int16 // index into block.subjects; -1 = none
	cat     int16 // index into block.cats; -1 = the group total
	vi      int32 // index into Cube.vals; -1 = none
}

// block is the frame of one statistic in one period.
type block struct {
	spec     *spec
	period   string
	base     int
	areas    []int32 // Cube.areas indices in frame order
	areaPos  map[int32]int
	grades   []int // -1 = all
	subjects []string
	genders  []uint8
	cats     []string // "" = the group total, first
}

const (
	genderF uint8 = iota
	genderM
	genderU
	genderAll
)

var genderCodes = [...]string{"F", "M", "U", ""}

// areaRef is one area of the cube; SU entries know their organiser and municipality.
type areaRef struct {
	level, code string
	org, muni   int32 // indices into Cube.areas for school units, else -1
}

// index returns the cell index of the frame position.
func (b *block) index(a, g, s, x, c int) int {
	return b.base + ((((a*len(b.grades)+g)*len(b.subjects)+s)*len(b.genders)+x)*len(b.cats) + c)
}

// size is the number of cells of the block.
func (b *block) size() int {
	return len(b.areas) * len(b.grades) * len(b.subjects) * len(b.genders) * len(b.cats)
}

// Build computes every statistic (or those of opt.Statistics) over the warehouse: the full
// frame of cells with their relations, ready for anonymize.Protect and then Publish.
func Build(ctx context.Context, warehouse *sql.DB, opt Options) (*Cube, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	chosen, err := choose(opt.Statistics)
	if err != nil {
		return nil, err
	}
	prelude, queries, err := loadSQL()
	if err != nil {
		return nil, err
	}
	conn, err := warehouse.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("build reports: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, prelude); err != nil {
		return nil, fmt.Errorf("build reports: prelude: %w", err)
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("SET VARIABLE rp_now = TIMESTAMPTZ '%s'",
		opt.Now.UTC().Format("2006-01-02 15:04:05.999999+00"))); err != nil {
		return nil, fmt.Errorf("build reports: set now: %w", err)
	}
	b := &builder{conn: conn, now: opt.Now, cube: &Cube{PerStatistic: map[string]int{}}}
	if err := b.loadFrame(ctx); err != nil {
		return nil, err
	}
	for _, s := range chosen {
		b.cube.Statistics = append(b.cube.Statistics, s.meta)
		n := len(b.cube.Cells)
		if err := b.buildStatistic(ctx, s, queries[s.meta.ID]); err != nil {
			return nil, fmt.Errorf("build %s: %w", s.meta.ID, err)
		}
		b.cube.PerStatistic[s.meta.ID] = len(b.cube.Cells) - n
	}
	b.linkStatistics()
	return b.cube, nil
}

// choose returns the specs named by ids, in catalogue order (all when ids is empty).
func choose(ids []string) ([]*spec, error) {
	var out []*spec
	for _, id := range ids {
		if !slices.ContainsFunc(specs, func(s spec) bool { return s.meta.ID == id }) {
			return nil, fmt.Errorf("%w: %q", ErrUnknownStatistic, id)
		}
	}
	for i := range specs {
		if len(ids) == 0 || slices.Contains(ids, specs[i].meta.ID) {
			out = append(out, &specs[i])
		}
	}
	return out, nil
}

// builder holds the state of one Build.
type builder struct {
	conn *sql.Conn
	now  time.Time
	cube *Cube

	areaIdx map[[2]string]int32
	// placed[school year][area index] = bit mask of grade levels with placements.
	placed map[string]map[int32]uint16
	// subjects of the frame; tested = those with national tests.
	subjects, tested []string
}

// loadFrame reads the public frame: areas, subjects, placements per school year, and the
// number of pupils excluded for protected identity.
func (b *builder) loadFrame(ctx context.Context) error {
	c := b.cube
	if err := b.conn.QueryRowContext(ctx,
		`SELECT count(*) FROM pupils WHERE protected_identity IS DISTINCT FROM false`).Scan(&c.Excluded); err != nil {
		return fmt.Errorf("count protected pupils: %w", err)
	}
	areas, err := loadAreas(ctx, b.conn)
	if err != nil {
		return err
	}
	c.Areas = areas
	b.areaIdx = map[[2]string]int32{}
	for _, a := range areas {
		b.areaIdx[[2]string{a.Level, a.Code}] = int32(len(c.areas))
		c.areas = append(c.areas, areaRef{level: a.Level, code: a.Code, org: -1, muni: -1})
	}
	for i, a := range areas {
		if a.Level == snapshot.LevelSchoolUnit {
			c.areas[i].org = b.areaIdx[[2]string{snapshot.LevelOrganiser, a.OrganiserID}]
			c.areas[i].muni = b.areaIdx[[2]string{snapshot.LevelMunicipality, a.MunicipalityCode}]
		}
	}
	if c.Subjects, err = loadSubjects(ctx, b.conn); err != nil {
		return err
	}
	for _, s := range c.Subjects {
		b.subjects = append(b.subjects, s.Code)
	}
	rows, err := b.conn.QueryContext(ctx, `SELECT DISTINCT subject_code FROM national_tests
		WHERE subject_code IN (SELECT subject_code FROM subjects) ORDER BY 1`)
	if err != nil {
		return fmt.Errorf("load tested subjects: %w", err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return fmt.Errorf("load tested subjects: %w", err)
		}
		b.tested = append(b.tested, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load tested subjects: %w", err)
	}
	b.placed = map[string]map[int32]uint16{}
	rows, err = b.conn.QueryContext(ctx, `SELECT DISTINCT school_year, school_unit_code, grade_level FROM placements
		WHERE grade_level BETWEEN 0 AND 9 AND school_year IS NOT NULL
		  AND school_unit_code IN (SELECT school_unit_code FROM school_units)`)
	if err != nil {
		return fmt.Errorf("load placements: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sy, su string
		var g int
		if err := rows.Scan(&sy, &su, &g); err != nil {
			return fmt.Errorf("load placements: %w", err)
		}
		ai, ok := b.areaIdx[[2]string{snapshot.LevelSchoolUnit, su}]
		if !ok {
			continue
		}
		if b.placed[sy] == nil {
			b.placed[sy] = map[int32]uint16{}
		}
		b.placed[sy][ai] |= 1 << g
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load placements: %w", err)
	}
	return nil
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
