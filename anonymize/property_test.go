package anonymize

import (
	"context"
	"fmt"
	"math"
	"math/rand"
	"runtime"
	"testing"
)

// TestProtect_RandomCubes protects many random hierarchical tables with small groups and
// checks that no shown figure rests on fewer than k and that the audit passes.
func TestProtect_RandomCubes(t *testing.T) {
	pol := DefaultPolicy()
	for seed := int64(1); seed <= 60; seed++ {
		rng := rand.New(rand.NewSource(seed))
		spec := cubeSpec{
			municipalities: 1 + rng.Intn(3),
			schoolsMax:     1 + rng.Intn(4),
			organisers:     rng.Intn(3),
			categories:     2 + rng.Intn(3),
			meanCount:      0.5 + rng.Float64()*8,
			unknownShare:   rng.Float64() * 0.3,
			coords:         seed%2 == 0, // half the cubes with the hypercube search
		}
		c := genCube(rng, spec)
		res, err := Protect(c.cells, c.rels, pol, nil)
		if err != nil {
			t.Fatalf("seed %d: Protect: %v", seed, err)
		}
		rep := checkProtected(t, c.cells, c.rels, res, pol)
		st := res.Stats()
		t.Logf("seed %d: %d cells, primary %d, coded %d, secondary %d, rounds %d, audit LPs %d", seed, st.Cells, st.Primary, st.Coded, st.Secondary, st.Rounds, rep.LPs)
		if t.Failed() {
			t.Fatalf("seed %d (%+v) failed", seed, spec)
		}
	}
}

// TestAudit_AgreesWithBruteForce compares Audit's intervals with one big linear program per
// hidden cell over the whole table, on small random tables.
func TestAudit_AgreesWithBruteForce(t *testing.T) {
	pol := DefaultPolicy()
	for seed := int64(100); seed < 118; seed++ {
		rng := rand.New(rand.NewSource(seed))
		spec := cubeSpec{municipalities: 1 + rng.Intn(2), schoolsMax: 3, organisers: rng.Intn(2),
			categories: 2, meanCount: 1 + rng.Float64()*5, unknownShare: 0.2}
		if seed >= 112 {
			// Skewed distributions: one category holds nearly every pupil, the others a few
			// each, so that large groups carry wide bands at both ends.
			spec.categories, spec.meanFirst, spec.meanCount = 3, 20+rng.Float64()*60, 1.5
		}
		c := genCube(rng, spec)
		// An unprotected pattern (primary and coding only) so that failures occur too; the
		// skewed cubes protected, so that bands are reached from one side only.
		pr := newProtector(c.cells, mustSystem(t, c), pol, nil)
		pub := pr.result().Public(c.cells)
		if seed >= 112 {
			res, err := Protect(c.cells, c.rels, pol, nil)
			if err != nil {
				t.Fatalf("seed %d: Protect: %v", seed, err)
			}
			pub = res.Public(c.cells)
		}
		rep, err := Audit(context.Background(), pub, c.rels, pol)
		if err != nil {
			t.Fatalf("seed %d: Audit: %v", seed, err)
		}
		failed := map[int]AuditFailure{}
		for _, f := range rep.Failures {
			failed[f.Cell] = f
		}
		brute := bruteIntervals(t, pub, c.rels)
		for i, iv := range brute {
			width := iv[1] - iv[0]
			want := width < pol.ProtectionWidth-1e-6
			if pub[i].Coded {
				// The band's inner limit (a low band's top, a high band's bottom) is ruled out,
				// or the count spans fewer whole values than the width (or the whole band).
				first, last := math.Ceil(iv[0]-1e-6), math.Floor(iv[1]+1e-6)
				low, high := math.Ceil(pub[i].Lo-1e-6), math.Floor(pub[i].Hi+1e-6)
				ruledOut := last < high
				if pub[i].Lo > 0 {
					ruledOut = first > low
				}
				want = ruledOut || last-first < math.Min(math.Ceil(pol.ProtectionWidth), high-low)
			}
			f, got := failed[i]
			if got != want {
				t.Errorf("seed %d cell %s: brute interval %v, audit failure %v (%+v)", seed, pub[i].Key, iv, got, f)
			}
			if got && (math.Abs(f.Lo-iv[0]) > 1e-6 || math.Abs(f.Hi-iv[1]) > 1e-6) {
				t.Errorf("seed %d cell %s: audit interval [%v, %v], brute %v", seed, pub[i].Key, f.Lo, f.Hi, iv)
			}
		}
		t.Logf("seed %d: %d hidden, %d audit failures, %d LPs", seed, len(brute), len(rep.Failures), rep.LPs)
		if rep.Checked != len(brute) {
			t.Errorf("seed %d: audit checked %d cells, %d hidden", seed, rep.Checked, len(brute))
		}
	}
}

func mustSystem(tb testing.TB, c *cube) *system {
	tb.Helper()
	s, err := newSystem(len(c.cells), c.rels)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// TestProtect_Deterministic protects the same cubes twice: a nightly run must publish the same
// pattern for the same data (the ledger and readers comparing two nights rely on it), whatever
// the order in which Go iterates its maps.
func TestProtect_Deterministic(t *testing.T) {
	pol := DefaultPolicy()
	for seed := int64(1); seed <= 12; seed++ {
		spec := cubeSpec{municipalities: 2, schoolsMax: 5, organisers: 2, categories: 4,
			meanCount: 3, unknownShare: 0.1, coords: seed%2 == 0}
		c := genCube(rand.New(rand.NewSource(seed)), spec)
		first, err := Protect(c.cells, c.rels, pol, nil)
		if err != nil {
			t.Fatalf("seed %d: Protect: %v", seed, err)
		}
		for run := 2; run <= 3; run++ {
			again, err := Protect(c.cells, c.rels, pol, nil)
			if err != nil {
				t.Fatalf("seed %d, run %d: Protect: %v", seed, run, err)
			}
			for i := range c.cells {
				if got, want := again.Outcome(i).Status(), first.Outcome(i).Status(); got != want {
					t.Errorf("seed %d, run %d: cell %s is %v, was %v in the first run", seed, run, c.cells[i].Key, got, want)
				}
			}
		}
	}
}

// TestProtect_SameOnAnyProcessors protects cubes of several independent tables (which gauss
// and check take on all processors at once) with one processor and with four: the outcome
// must not depend on which block finished first.
func TestProtect_SameOnAnyProcessors(t *testing.T) {
	pol := DefaultPolicy()
	for seed := int64(1); seed <= 6; seed++ {
		rng := rand.New(rand.NewSource(seed))
		var c cube
		for table := range 5 {
			spec := cubeSpec{municipalities: 2, schoolsMax: 4, organisers: 2, categories: 3 + table%2,
				meanCount: 3, unknownShare: 0.1, coords: seed%2 == 0}
			c.join(genCube(rng, spec), fmt.Sprintf("t%d/", table))
		}
		outcomes := func(procs int) *Result {
			t.Helper()
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			res, err := Protect(c.cells, c.rels, pol, nil)
			if err != nil {
				t.Fatalf("seed %d, %d processors: Protect: %v", seed, procs, err)
			}
			return res
		}
		one, four := outcomes(1), outcomes(4)
		for i := range c.cells {
			if got, want := four.Outcome(i).Status(), one.Outcome(i).Status(); got != want {
				t.Errorf("seed %d: cell %s is %v on four processors, %v on one", seed, c.cells[i].Key, got, want)
			}
		}
	}
}
