// Package build is the nightly run's build step: it computes the statistics catalogue over the
// warehouse, protects every cell, audits what would be published as an attacker would, and
// hands the protected content to publishing — or blocks the release.
package build

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/skolstat/skolstat/anonymize"
	"github.com/skolstat/skolstat/etl/nightly"
	"github.com/skolstat/skolstat/etl/snapshot"
	"github.com/skolstat/skolstat/reports"
)

// LedgerFile is the anonymize ledger's file name in the data directory.
const LedgerFile = "ledger.json"

// maxReported caps how many failing cells a blocked run's error names.
const maxReported = 20

// Builder is the real nightly.Builder: reports → anonymize → audit.
type Builder struct {
	// Policy is the protection policy; the zero value means anonymize.DefaultPolicy().
	Policy anonymize.Policy
	// Logger receives progress (counts only, never row content); nil discards it.
	Logger *slog.Logger
	// Statistics restricts the build to these statistic ids; empty builds the whole catalogue.
	Statistics []string
	// Budget bounds the time one protection attempt may take; zero means no limit. When an
	// attempt runs out of time, the statistic with the most cells is withheld from this
	// release; when protection cannot reach a pattern that passes the audit, the statistic
	// holding most of the cells it could not protect. The rest is protected again: a release
	// is never made less protected, only smaller. The run log names what was withheld.
	Budget time.Duration
}

// ErrWithheld is wrapped by the error of a build that withheld statistics until none was left.
var ErrWithheld = errors.New("statistics withheld")

var _ nightly.Builder = (*Builder)(nil)

func (b *Builder) policy() anonymize.Policy {
	if b.Policy.K == 0 {
		return anonymize.DefaultPolicy()
	}
	return b.Policy
}

func (b *Builder) logger() *slog.Logger {
	if b.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return b.Logger
}

// Build computes, protects and audits the whole catalogue. An audit failure returns an error
// wrapping nightly.ErrReleaseBlocked that names the failing cells by their dimensions.
func (b *Builder) Build(ctx context.Context, wh *sql.DB, run nightly.RunInfo) (*nightly.Content, error) {
	pol := b.policy()
	if err := pol.Validate(); err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	log := b.logger()
	ledgerPath := filepath.Join(run.DataDir, LedgerFile)
	ledger, err := loadLedger(ledgerPath)
	if err != nil {
		return nil, err
	}
	cube, res, withheld, err := b.protect(ctx, wh, run, pol, ledger)
	if err != nil {
		return nil, err
	}
	st := res.Stats()
	log.Info("cells protected", "shown", st.Shown, "primary", st.Primary, "secondary", st.Secondary,
		"coded", st.Coded, "missing", st.Missing)

	cells, rels, bounds, err := cube.Publish(res)
	if err != nil {
		return nil, fmt.Errorf("publish cells: %w", err)
	}
	// The true counts are the audit's first feasible point: it checks them against the
	// published figures and moves from them, so it proves what Protect's own check proved.
	report, err := Audit(ctx, cells, rels, bounds, pol, trueCounts(cube.Cells))
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	log.Info("audit", "checked", report.Checked, "blocks", report.Blocks, "failures", len(report.Failures))
	if len(report.Failures) > 0 {
		return nil, fmt.Errorf("%w: %s", nightly.ErrReleaseBlocked, describe(report))
	}
	if ledger != nil && run.DataDir != "" {
		if err := saveLedger(ledgerPath, ledger); err != nil {
			return nil, err
		}
	}
	policyJSON, err := json.Marshal(pol)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	return &nightly.Content{
		Cells: cells, Areas: cube.Areas, Statistics: cube.Statistics, Subjects: cube.Subjects,
		Relations: rels, Bounds: bounds, Policy: string(policyJSON),
		Notes: map[string]int{
			"excluded_protected_identity_pupils": cube.Excluded,
			"cells_shown":                        st.Shown,
			"cells_suppressed_primary":           st.Primary,
			"cells_suppressed_secondary":         st.Secondary,
			"cells_coded":                        st.Coded,
			"cells_missing":                      st.Missing,
			"audit_checked":                      report.Checked,
			"statistics_withheld":                len(withheld),
		},
	}, nil
}

// protect builds the statistics and protects them, withholding the largest statistic after
// each attempt that runs out of budget or cannot pass the audit.
func (b *Builder) protect(ctx context.Context, wh *sql.DB, run nightly.RunInfo, pol anonymize.Policy, ledger *anonymize.Ledger) (*reports.Cube, *anonymize.Result, []string, error) {
	log := b.logger()
	stats := slices.Clone(b.Statistics)
	var withheld []string
	for {
		cube, err := reports.Build(ctx, wh, reports.Options{Now: run.ExtractedAt, Statistics: stats})
		if err != nil {
			return nil, nil, nil, fmt.Errorf("statistics: %w", err)
		}
		log.Info("statistics built", "cells", len(cube.Cells), "relations", len(cube.Relations))
		actx, cancel := ctx, context.CancelFunc(func() {})
		if b.Budget > 0 {
			actx, cancel = context.WithTimeout(ctx, b.Budget)
		}
		res, err := anonymize.ProtectContext(actx, cube.Cells, cube.Relations, pol, ledger)
		cancel()
		if err == nil {
			if len(withheld) > 0 {
				log.Warn("statistics withheld from this release", "statistics", strings.Join(withheld, ","))
			}
			return cube, res, withheld, nil
		}
		outOfTime := errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil
		if !outOfTime && !errors.Is(err, anonymize.ErrAudit) {
			return nil, nil, nil, fmt.Errorf("protect: %w", err)
		}
		// Withhold the statistic that holds the cells protection could not protect (the
		// one with most of them), else, when time ran out, the one with the most cells.
		failing := map[string]int{}
		var ae *anonymize.AuditError
		if errors.As(err, &ae) {
			for _, k := range ae.Keys {
				failing[reports.StatisticOfKey(k)]++
			}
		}
		largest, rest := "", []string(nil)
		for _, st := range cube.Statistics {
			if largest == "" || failing[st.ID] > failing[largest] ||
				(failing[st.ID] == failing[largest] && cube.PerStatistic[st.ID] > cube.PerStatistic[largest]) {
				largest = st.ID
			}
		}
		for _, st := range cube.Statistics {
			if st.ID != largest {
				rest = append(rest, st.ID)
			}
		}
		withheld = append(withheld, largest)
		reason := "protection did not pass the audit"
		if outOfTime {
			reason = fmt.Sprintf("protection did not finish within %v", b.Budget)
		}
		log.Warn("statistic withheld", "statistic", largest, "cells", cube.PerStatistic[largest], "reason", reason)
		if len(rest) == 0 {
			return nil, nil, nil, fmt.Errorf("%w: %w: %s (%s)", nightly.ErrReleaseBlocked, ErrWithheld, reason, strings.Join(withheld, ", "))
		}
		stats = rest
	}
}

// describe names the failing cells of an audit (dimensions and interval, never a value that is
// not already bounded by what is published).
func describe(r *anonymize.AuditReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d hidden cells can be bounded too tightly", len(r.Failures))
	for i, f := range r.Failures {
		if i == maxReported {
			fmt.Fprintf(&b, "; and %d more", len(r.Failures)-maxReported)
			break
		}
		fmt.Fprintf(&b, "; %s: %s", f.Key, f.Reason)
	}
	return b.String()
}

func loadLedger(path string) (*anonymize.Ledger, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return anonymize.NewLedger(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	defer f.Close()
	l, err := anonymize.LoadLedger(f)
	if err != nil {
		return nil, fmt.Errorf("read ledger %s: %w", path, err)
	}
	return l, nil
}

// saveLedger replaces the ledger file atomically.
func saveLedger(path string, l *anonymize.Ledger) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ledger-*.tmp")
	if err != nil {
		return fmt.Errorf("save ledger: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := l.Save(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("save ledger: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("save ledger: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save ledger: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save ledger: %w", err)
	}
	return nil
}

// trueCounts is the release gate's witness: every cell's true count, in cell order.
func trueCounts(cells []anonymize.Cell) []float64 {
	w := make([]float64, len(cells))
	for i, c := range cells {
		w[i] = c.Count
	}
	return w
}

// Audit checks published content as an attacker would: from the bounds a reader learns of each
// additive cell and the public relations alone, it bounds every hidden cell. witness (nil, or
// one value per bound, in the bounds' order) is a first feasible point to move from; it must
// fit the published content (see anonymize.AuditTermsFrom).
func Audit(ctx context.Context, cells []snapshot.Cell, rels [][]snapshot.Term, bounds []snapshot.Bound, pol anonymize.Policy, witness []float64) (*anonymize.AuditReport, error) {
	pub, terms, err := Public(cells, rels, bounds)
	if err != nil {
		return nil, err
	}
	return anonymize.AuditTermsFrom(ctx, pub, terms, pol, witness)
}

// Public turns published rows into the audit's input: one anonymize.Public per additive cell
// (those with a bound) and the relations over their indices.
func Public(cells []snapshot.Cell, rels [][]snapshot.Term, bounds []snapshot.Bound) ([]anonymize.Public, [][]anonymize.Term, error) {
	rows := make(map[int64]*snapshot.Cell, len(bounds))
	for i := range cells {
		rows[cells[i].ID] = &cells[i]
	}
	index := make(map[int64]int, len(bounds))
	pub := make([]anonymize.Public, len(bounds))
	place := newPlacer()
	for i, bd := range bounds {
		index[bd.CellID] = i
		p := anonymize.Public{Key: fmt.Sprintf("cell %d", bd.CellID), Lo: bd.Lower}
		if bd.Upper == nil {
			p.Unbounded = true
		} else {
			p.Hi = *bd.Upper
		}
		if c, ok := rows[bd.CellID]; ok {
			p.Key = key(c)
			p.Coords = place.coords(c)
			switch c.Status {
			case snapshot.StatusShown, snapshot.StatusMissing:
				if bd.Upper == nil || *bd.Upper != bd.Lower {
					return nil, nil, fmt.Errorf("cell %d is %s but its bounds are not one value", bd.CellID, c.Status)
				}
				p.Shown, p.Value = true, bd.Lower
			case snapshot.StatusCoded:
				p.Coded = true
			}
		}
		pub[i] = p
	}
	terms := make([][]anonymize.Term, len(rels))
	for r, rel := range rels {
		terms[r] = make([]anonymize.Term, len(rel))
		for k, t := range rel {
			i, ok := index[t.CellID]
			if !ok {
				return nil, nil, fmt.Errorf("relation %d refers to cell %d, which has no bound", r+1, t.CellID)
			}
			terms[r][k] = anonymize.Term{Cell: i, Coef: t.Coef}
		}
	}
	return pub, terms, nil
}

// key names a published cell by its dimensions, as a reader finds it in the download.
func key(c *snapshot.Cell) string {
	d := dimensionsOf(c)
	return fmt.Sprintf("%s %s %s:%s grade=%s subject=%s gender=%s category=%s %s",
		c.Statistic, c.Period, c.AreaLevel, c.AreaCode, d[0], d[1], d[2], d[3], c.Measure)
}

// dimensionsOf returns a published cell's grade level, subject, gender and category, "all"
// where the cell is over all of them.
func dimensionsOf(c *snapshot.Cell) [4]string {
	s := func(p *string) string {
		if p == nil {
			return "all"
		}
		return *p
	}
	g := "all"
	if c.GradeLevel != nil {
		g = fmt.Sprint(*c.GradeLevel)
	}
	return [4]string{g, s(c.Subject), s(c.Gender), s(c.Category)}
}

// placer numbers the published dimensions of cells, so that the audit can search hypercubes
// as Protect did: one table per statistic, period and measure, and a coordinate per area,
// grade level, gender, subject and category.
type placer struct {
	ids [6]map[string]int32
}

func newPlacer() *placer {
	var p placer
	for i := range p.ids {
		p.ids[i] = map[string]int32{}
	}
	return &p
}

// coords returns cell c's coordinates.
func (p *placer) coords(c *snapshot.Cell) []int32 {
	d := dimensionsOf(c)
	dims := [6]string{c.Statistic + "|" + c.Period + "|" + c.Measure, c.AreaLevel + ":" + c.AreaCode, d[0], d[1], d[2], d[3]}
	out := make([]int32, len(dims))
	for i, v := range dims {
		id, ok := p.ids[i][v]
		if !ok {
			id = int32(len(p.ids[i]))
			p.ids[i][v] = id
		}
		out[i] = id
	}
	return out
}
