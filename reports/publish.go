package reports

import (
	"errors"
	"fmt"
	"math"

	"github.com/skolstat/skolstat/anonymize"
	"github.com/skolstat/skolstat/etl/snapshot"
)

// ErrResultMismatch is returned by Publish for a Result that was not computed over this cube's
// cells.
var ErrResultMismatch = errors.New("protection result does not match the cube")

// Displays of figures without a value (anonymize's).
const (
	DisplayHidden  = anonymize.DisplayHidden
	DisplayMissing = anonymize.DisplayMissing
)

// outcome is what publishing needs of one protection decision.
type outcome struct {
	status anonymize.Status
	band   anonymize.Band
}

// Publish turns the protection outcomes of c.Cells into the published rows: every measure of
// every cell (internal cells excepted), the relations over the cell ids of the additive rows
// (count or n) as sum(coef × value) = 0, and the bounds a reader learns of each additive cell
// from its display alone. Internal cells (unknown gender) have an id that appears in relations
// and bounds only: an unpublished non-negative unknown.
func (c *Cube) Publish(res *anonymize.Result) ([]snapshot.Cell, [][]snapshot.Term, []snapshot.Bound, error) {
	if res == nil || res.Len() != len(c.Cells) {
		return nil, nil, nil, ErrResultMismatch
	}
	return c.publish(func(i int) outcome {
		o := res.Outcome(i)
		b, _ := o.Band()
		return outcome{status: o.Status(), band: b}
	})
}

// publish is Publish over any source of outcomes.
func (c *Cube) publish(out func(i int) outcome) ([]snapshot.Cell, [][]snapshot.Term, []snapshot.Bound, error) {
	ids := make([]int64, len(c.Cells))
	cells := make([]snapshot.Cell, 0, len(c.Cells)*3/2)
	bounds := make([]snapshot.Bound, 0, len(c.Cells))
	var next int64 = 1
	gradePtr := make([]*int, 10)
	for g := range gradePtr {
		v := g
		gradePtr[g] = &v
	}
	genderPtr := [...]*string{ptr("F"), ptr("M"), nil, nil}
	catPtrs := make([][]*string, len(c.blocks))
	subjPtrs := make([][]*string, len(c.blocks))
	for i, bl := range c.blocks {
		for _, cat := range bl.cats[1:] {
			catPtrs[i] = append(catPtrs[i], ptr(cat))
		}
		for _, s := range bl.subjects {
			subjPtrs[i] = append(subjPtrs[i], ptr(s))
		}
	}
	valid, invalid := ptr("valid"), ptr("invalid")
	for i, cell := range c.Cells {
		m := c.meta[i]
		ids[i] = next
		next++
		o := out(i)
		bounds = append(bounds, bound(ids[i], cell, o))
		if cell.Internal {
			continue
		}
		bl := &c.blocks[m.block]
		area := &c.areas[m.area]
		base := snapshot.Cell{Statistic: bl.spec.meta.ID, Period: bl.period, AreaLevel: area.level,
			AreaCode: area.code, Gender: genderPtr[m.gender], Status: o.status.String()}
		if m.grade >= 0 {
			base.GradeLevel = gradePtr[m.grade]
		}
		if m.subject >= 0 {
			base.Subject = subjPtrs[m.block][m.subject]
		}
		if m.cat >= 0 {
			base.Category = catPtrs[m.block][m.cat]
		}
		add := func(id int64, cat *string, measure string, v float64, f format) {
			r := base
			r.ID, r.Category, r.Measure = id, cat, measure
			r.Display = display(o, v, f, measure)
			if o.status == anonymize.Shown && !math.IsNaN(v) {
				r.Value = &v
			}
			cells = append(cells, r)
		}
		var v [3]float64
		if m.vi >= 0 {
			v = c.vals[m.vi]
		}
		switch bl.spec.shape {
		case shapeShare:
			add(ids[i], base.Category, "count", cell.Count, asCount)
			if m.cat >= 0 {
				add(next, base.Category, "share", ratio(cell.Count, cell.Denom), asPercent)
				next++
			} else if bl.spec.meanInTotal {
				add(next, nil, "mean", ratio(v[0], cell.Count), asDecimal)
				next++
			}
		case shapeMean:
			add(ids[i], nil, "n", cell.Count, asCount)
			add(next, nil, "mean", ratio(v[0], cell.Count), asDecimal)
			next++
		case shapeAbsence:
			add(ids[i], nil, "n", cell.Count, asCount)
			add(next, valid, "share", ratio(v[1], v[0]), asPercent)
			add(next+1, invalid, "share", ratio(v[2], v[0]), asPercent)
			add(next+2, nil, "share", ratio(v[1]+v[2], v[0]), asPercent)
			next += 3
		case shapeCount:
			add(ids[i], base.Category, "count", cell.Count, asCount)
		default:
			return nil, nil, nil, fmt.Errorf("publish %s: unknown shape", bl.spec.meta.ID)
		}
	}
	rels := make([][]snapshot.Term, len(c.Relations))
	for i, r := range c.Relations {
		terms := make([]snapshot.Term, 0, 1+len(r.Parts))
		terms = append(terms, snapshot.Term{CellID: ids[r.Total], Coef: 1})
		for _, p := range r.Parts {
			terms = append(terms, snapshot.Term{CellID: ids[p], Coef: -1})
		}
		rels[i] = terms
	}
	return cells, rels, bounds, nil
}

// format is how a measure is displayed.
type format uint8

const (
	asCount format = iota
	asPercent
	asDecimal
)

// display is what a person sees of one measure of a cell with outcome o.
func display(o outcome, v float64, f format, measure string) string {
	switch o.status {
	case anonymize.Missing:
		return DisplayMissing
	case anonymize.Coded:
		if measure == "share" && o.band.Label != "" {
			return o.band.Label
		}
		return DisplayHidden
	case anonymize.Shown:
		if math.IsNaN(v) {
			return DisplayHidden
		}
		switch f {
		case asPercent:
			return anonymize.FormatPercent(v, 1)
		case asDecimal:
			return anonymize.FormatNumber(v, 1)
		}
		return anonymize.FormatNumber(v, 0)
	}
	return DisplayHidden
}

// bound is what a reader learns of an additive cell from its display alone.
func bound(id int64, cell anonymize.Cell, o outcome) snapshot.Bound {
	b := snapshot.Bound{CellID: id}
	// A coded count stays unbounded here: its band times the denominator would leak the
	// denominator wherever that is hidden. An internal cell that is known empty (no pupil of
	// unknown gender in the group) is a known zero, as protection treats it.
	switch {
	case o.status == anonymize.Missing:
		b.Upper = ptr(0.0)
	case cell.Internal:
	case o.status == anonymize.Shown:
		b.Lower, b.Upper = cell.Count, ptr(cell.Count)
	}
	return b
}

// ratio is num/den, NaN when den is 0.
func ratio(num, den float64) float64 {
	if den == 0 {
		return math.NaN()
	}
	return num / den
}

func ptr[T any](v T) *T { return &v }
