package anonymize

import (
	"context"
	"errors"
	"math"
	"sort"
)

// errInconsistent reports relations that the known values contradict.
var errInconsistent = errors.New("relations contradict the shown values")

// eps is the tolerance of the elimination; cell values are counts.
const eps = 1e-7

// pivotThreshold is the smallest share of a row's largest entry that reduce pivots on.
const pivotThreshold = 0.5

// relNoise is the share of the largest term summed into an entry below which what is left of
// the entry is rounding noise.
const relNoise = 1e-9

// sparseRow is one row of a linear system over a block's local variables: sum(val*x[idx]) = rhs.
type sparseRow struct {
	idx []int32
	val []float64
	rhs float64
	// mag is the largest term rhs was summed from in an elimination (0 for a row as given:
	// then |rhs|). What rounding leaves of a right-hand side that cancels is judged against
	// it, not against what is left.
	mag float64
}

// echelon is the reduced row echelon form of a block's equations: every row has a pivot
// variable with coefficient 1 that appears in no other row.
type echelon struct {
	nvar  int
	rows  []sparseRow
	pivot []int32 // pivot variable of each row
	rowOf []int32 // row whose pivot is the variable, or -1 for a free variable
}

// reduce brings rows into reduced row echelon form by Gaussian elimination (Gauss–Jordan).
// A variable is exactly determined by the rows iff its row holds nothing but its pivot. A long
// elimination stops with ctx's error when ctx is done.
func reduce(ctx context.Context, nvar int, in []sparseRow) (*echelon, error) {
	e := &echelon{nvar: nvar, rowOf: make([]int32, nvar)}
	for i := range e.rowOf {
		e.rowOf[i] = -1
	}
	// colRows[v] lists rows (by index) that hold variable v, so that a new pivot can be
	// eliminated from earlier rows without scanning them all.
	colRows := make([][]int32, nvar)
	dense := make([]float64, nvar)
	// magn[v] is the largest term added into dense[v]: what is left of it after cancellation
	// is noise when it is tiny beside that (relative, so that large counts do not turn the
	// rounding of their sums into a contradiction or a pivot).
	magn := make([]float64, nvar)
	mark := make([]bool, nvar)
	var touched []int32
	for ri, r := range in {
		if ri%1024 == 1023 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		touched = touched[:0]
		rhs, rhsMag := r.rhs, math.Max(r.mag, math.Abs(r.rhs))
		add := func(v int32, x float64) {
			if !mark[v] {
				mark[v] = true
				touched = append(touched, v)
			}
			dense[v] += x
			magn[v] = math.Max(magn[v], math.Abs(x))
		}
		for k, v := range r.idx {
			add(v, r.val[k])
		}
		// Eliminate existing pivots: pivot rows hold no other pivot, so one pass suffices.
		for k := 0; k < len(touched); k++ {
			v := touched[k]
			pr := e.rowOf[v]
			if pr < 0 || dense[v] == 0 {
				continue
			}
			f := dense[v]
			row := e.rows[pr]
			for j, w := range row.idx {
				add(w, -f*row.val[j])
			}
			rhs -= f * row.rhs
			rhsMag = math.Max(rhsMag, math.Abs(f)*math.Max(row.mag, math.Abs(row.rhs)))
			dense[v] = 0
		}
		// Collect what is left and choose the pivot: among the entries at least half the
		// largest (threshold pivoting, for stability), the one in fewest earlier rows, as
		// the pivot is eliminated from each of them and fills them in (Markowitz).
		var nr sparseRow
		bestAbs := 0.0
		for _, v := range touched {
			x, m := dense[v], magn[v]
			dense[v], magn[v] = 0, 0
			mark[v] = false
			if math.Abs(x) <= max(eps, relNoise*m) || e.rowOf[v] >= 0 {
				continue
			}
			nr.idx = append(nr.idx, v)
			nr.val = append(nr.val, x)
			bestAbs = math.Max(bestAbs, math.Abs(x))
		}
		best, bestCount := int32(-1), 0
		for k, v := range nr.idx {
			if math.Abs(nr.val[k]) < pivotThreshold*bestAbs {
				continue
			}
			if n := len(colRows[v]); best < 0 || n < bestCount || (n == bestCount && v < best) {
				best, bestCount = v, n
			}
		}
		if best < 0 {
			if math.Abs(rhs) > math.Max(1e-6, 1e-8*rhsMag) {
				return nil, errInconsistent
			}
			continue
		}
		sortRow(&nr)
		var p float64
		for k, v := range nr.idx {
			if v == best {
				p = nr.val[k]
			}
		}
		for k := range nr.val {
			nr.val[k] /= p
		}
		nr.rhs = rhs / p
		nr.mag = rhsMag / math.Abs(p)
		ri := int32(len(e.rows))
		// Eliminate the new pivot from earlier rows.
		for _, orow := range colRows[best] {
			if e.rowOf[e.pivot[orow]] != orow {
				continue
			}
			e.rows[orow] = axpyRow(e.rows[orow], best, nr, colRows, orow)
		}
		colRows[best] = nil
		e.rows = append(e.rows, nr)
		e.pivot = append(e.pivot, best)
		e.rowOf[best] = ri
		for _, v := range nr.idx {
			if v != best {
				colRows[v] = append(colRows[v], ri)
			}
		}
	}
	return e, nil
}

// axpyRow returns row - row[v]*nr, recording new fill-in in colRows.
func axpyRow(row sparseRow, v int32, nr sparseRow, colRows [][]int32, ri int32) sparseRow {
	k := sort.Search(len(row.idx), func(i int) bool { return row.idx[i] >= v })
	if k == len(row.idx) || row.idx[k] != v {
		return row
	}
	f := row.val[k]
	var out sparseRow
	out.rhs = row.rhs - f*nr.rhs
	out.mag = math.Max(math.Max(row.mag, math.Abs(row.rhs)), math.Abs(f)*math.Max(nr.mag, math.Abs(nr.rhs)))
	i, j := 0, 0
	for i < len(row.idx) || j < len(nr.idx) {
		switch {
		case j == len(nr.idx) || (i < len(row.idx) && row.idx[i] < nr.idx[j]):
			out.idx = append(out.idx, row.idx[i])
			out.val = append(out.val, row.val[i])
			i++
		case i == len(row.idx) || nr.idx[j] < row.idx[i]:
			x := -f * nr.val[j]
			if math.Abs(x) > eps {
				out.idx = append(out.idx, nr.idx[j])
				out.val = append(out.val, x)
				colRows[nr.idx[j]] = append(colRows[nr.idx[j]], ri)
			}
			j++
		default:
			x := row.val[i] - f*nr.val[j]
			if math.Abs(x) > max(eps, relNoise*math.Max(math.Abs(row.val[i]), math.Abs(f*nr.val[j]))) {
				out.idx = append(out.idx, row.idx[i])
				out.val = append(out.val, x)
			}
			i++
			j++
		}
	}
	return out
}

func sortRow(r *sparseRow) {
	sort.Sort(rowSorter{r})
}

type rowSorter struct{ r *sparseRow }

func (s rowSorter) Len() int           { return len(s.r.idx) }
func (s rowSorter) Less(i, j int) bool { return s.r.idx[i] < s.r.idx[j] }
func (s rowSorter) Swap(i, j int) {
	s.r.idx[i], s.r.idx[j] = s.r.idx[j], s.r.idx[i]
	s.r.val[i], s.r.val[j] = s.r.val[j], s.r.val[i]
}

// determined reports whether variable v is fixed by the equations, and its value.
func (e *echelon) determined(v int32) (float64, bool) {
	r := e.rowOf[v]
	if r < 0 {
		return 0, false
	}
	row := e.rows[r]
	if len(row.idx) == 1 {
		return row.rhs, true
	}
	return 0, false
}

// freeColumns returns, for each free variable, the rows (and coefficients) it appears in: the
// null space basis vector of free variable f is x_f = 1, x_pivot(r) = -coef for those rows.
func (e *echelon) freeColumns() map[int32][]term {
	cols := make(map[int32][]term)
	for ri, row := range e.rows {
		for k, v := range row.idx {
			if e.rowOf[v] < 0 {
				cols[v] = append(cols[v], term{int32(ri), row.val[k]})
			}
		}
	}
	return cols
}
