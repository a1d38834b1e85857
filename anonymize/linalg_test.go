package anonymize

import (
	"context"
	"errors"
	"math/rand"
	"testing"
)

func TestReduce(t *testing.T) {
	row := func(rhs float64, terms ...float64) sparseRow {
		t.Helper()
		var r sparseRow
		for i := 0; i < len(terms); i += 2 {
			r.idx = append(r.idx, int32(terms[i]))
			r.val = append(r.val, terms[i+1])
		}
		r.rhs = rhs
		return r
	}
	// Large counts round when they are summed: x0 = 1e11 + 0.1 and x0 + x1 = that + 0.7 leave
	// x1 = 0.7 only to within the rounding of 1e11 (about 1e-5), not of 0.7.
	big := 1e11 + 0.1
	tests := []struct {
		name    string
		rows    []sparseRow
		wantErr bool
		pinned  map[int32]float64
	}{
		{"rounding of large sums is not a contradiction",
			[]sparseRow{row(big, 0, 1), row(big+0.7, 0, 1, 1, 1), row(0.7, 1, 1)}, false,
			map[int32]float64{0: big, 1: 0.7}},
		{"a contradiction among small counts",
			[]sparseRow{row(5, 0, 1, 1, 1), row(3, 0, 1), row(3, 1, 1)}, true, nil},
		{"two cells summing to a shown total pin neither",
			[]sparseRow{row(1, 0, 1, 1, 1)}, false, map[int32]float64{}},
		{"a cell equal to a hidden total is pinned with it only when the total is",
			[]sparseRow{row(0, 0, 1, 1, -1), row(4, 1, 1, 2, 1), row(4, 1, 1)}, false,
			map[int32]float64{0: 4, 1: 4, 2: 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := reduce(context.Background(), 3, tt.rows)
			if tt.wantErr {
				if !errors.Is(err, errInconsistent) {
					t.Fatalf("reduce: got %v, want errInconsistent", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("reduce: %v", err)
			}
			for v := int32(0); v < 3; v++ {
				got, ok := e.determined(v)
				want, wantOK := tt.pinned[v]
				if ok != wantOK || (ok && !within(got, want, 1e-3)) {
					t.Errorf("determined(%d) = %v, %v; want %v, %v", v, got, ok, want, wantOK)
				}
			}
		})
	}
}

// TestReduce_Cancelled checks that a long elimination stops when its context is done (a
// nightly run stopped by SIGTERM must not go on eliminating a large block).
func TestReduce_Cancelled(t *testing.T) {
	n, rows := cubeRows(t, cubeSpec{municipalities: 6, schoolsMax: 30, organisers: 2, categories: 7,
		meanCount: 5, unknownShare: 0.02, subjects: 2})
	if len(rows) < 2048 {
		t.Fatalf("the cube has %d relations; the test needs more than 2048", len(rows))
	}
	if _, err := reduce(context.Background(), n, rows); err != nil {
		t.Fatalf("reduce: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := reduce(ctx, n, rows); !errors.Is(err, context.Canceled) {
		t.Errorf("reduce with a cancelled context: got %v, want context.Canceled", err)
	}
}

func within(a, b, tol float64) bool { return a-b <= tol && b-a <= tol }

// BenchmarkReduce_HierarchicalBlock eliminates the relations of a synthetic hierarchical cube
// (school units under municipalities and organisers × genders × categories) with every cell
// hidden: one block of about 10,000 cells, as the audit's largest blocks are.
func BenchmarkReduce_HierarchicalBlock(b *testing.B) {
	n, rows := cubeRows(b, cubeSpec{municipalities: 10, schoolsMax: 59, organisers: 3, categories: 7,
		meanCount: 5, unknownShare: 0.02, subjects: 1})
	var e *echelon
	var err error
	for b.Loop() {
		if e, err = reduce(context.Background(), n, rows); err != nil {
			b.Fatal(err)
		}
	}
	nnz := 0
	for _, r := range e.rows {
		nnz += len(r.idx)
	}
	b.ReportMetric(float64(n), "cells")
	b.ReportMetric(float64(nnz), "echelon-nonzeros")
}

// cubeRows returns the number of cells of a synthetic cube and its relations as rows over
// every cell (all hidden).
func cubeRows(tb testing.TB, spec cubeSpec) (int, []sparseRow) {
	tb.Helper()
	c := genCube(rand.New(rand.NewSource(7)), spec)
	sys, err := newSystem(len(c.cells), c.rels)
	if err != nil {
		tb.Fatal(err)
	}
	rows := make([]sparseRow, len(sys.rels))
	for ri, ts := range sys.rels {
		for _, t := range ts {
			rows[ri].idx = append(rows[ri].idx, t.cell)
			rows[ri].val = append(rows[ri].val, t.coef)
		}
	}
	return len(c.cells), rows
}
