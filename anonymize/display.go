package anonymize

import "math"

// The displays of figures that are not shown.
const (
	// DisplayHidden is shown for a suppressed figure: too few pupils, or it would reveal one.
	DisplayHidden = ".."
	// DisplayMissing is shown for a figure known to be empty (nothing to report).
	DisplayMissing = "–"
)

// Bounds returns what a reader learns of the cell's count from its display alone: the exact
// value when shown, 0 when missing, the band times the denominator when coded, and [0, ∞)
// (bounded false) when suppressed. A coded cell's bounds presuppose that its denominator is
// published; where it is not, only the share band is public.
func (o Outcome) Bounds() (lo, hi float64, bounded bool) {
	switch o.status {
	case Shown:
		return o.count, o.count, true
	case Missing:
		return 0, 0, true
	case Coded:
		return o.band.Low * o.denom, o.band.High * o.denom, true
	}
	return 0, math.Inf(1), false
}

// Value returns the exact count and whether it may be published.
func (o Outcome) Value() (float64, bool) {
	if o.status == Shown {
		return o.count, true
	}
	return 0, false
}

// CountDisplay returns the count as a person sees it: "12", ".." when hidden or coded (the
// share carries the band), "–" when missing.
func (o Outcome) CountDisplay() string {
	return o.ValueDisplay(o.count, countDecimals(o.count))
}

// ShareDisplay returns the share as a person sees it: "41,5 %", the band label ("≥95 %") when
// coded, ".." when hidden, "–" when missing. The band never tells 100 % from near 100 %.
func (o Outcome) ShareDisplay(share float64, decimals int) string {
	switch o.status {
	case Shown:
		return FormatPercent(share, decimals)
	case Coded:
		return o.band.Label
	case Missing:
		return DisplayMissing
	}
	return DisplayHidden
}

// ValueDisplay returns a figure derived from this cell (a mean over its n, a sum) as a person
// sees it: formatted when the cell is shown, ".." when hidden or coded, "–" when missing.
func (o Outcome) ValueDisplay(v float64, decimals int) string {
	switch o.status {
	case Shown:
		return FormatNumber(v, decimals)
	case Missing:
		return DisplayMissing
	}
	return DisplayHidden
}

func countDecimals(v float64) int {
	if v == math.Trunc(v) {
		return 0
	}
	return 1
}
