package anonymize

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"
)

// table builds small hand-made tables by key.
type table struct {
	cells []Cell
	rels  []Relation
	idx   map[string]int
}

func newTable() *table { return &table{idx: map[string]int{}} }

// add adds a cell; group 0 means the count is its own group.
func (t *table) add(c Cell) *table {
	if c.Group == 0 && !c.Structural {
		c.Group = c.Count
	}
	t.idx[c.Key] = len(t.cells)
	t.cells = append(t.cells, c)
	return t
}

func (t *table) rel(total string, parts ...string) *table {
	r := Relation{Total: t.idx[total]}
	for _, p := range parts {
		r.Parts = append(r.Parts, t.idx[p])
	}
	t.rels = append(t.rels, r)
	return t
}

func (t *table) protect(tb testing.TB, pol Policy) *Result {
	tb.Helper()
	res, err := Protect(t.cells, t.rels, pol, nil)
	if err != nil {
		tb.Fatalf("Protect: %v", err)
	}
	checkProtected(tb, t.cells, t.rels, res, pol)
	return res
}

func (t *table) status(res *Result, key string) Status { return res.Outcome(t.idx[key]).Status() }

// interval bounds a hidden cell from the published figures as an attacker would.
func (t *table) interval(tb testing.TB, res *Result, key string, pol Policy) (float64, float64) {
	tb.Helper()
	iv := bruteIntervals(tb, res.Public(t.cells), t.rels)[t.idx[key]]
	return iv[0], iv[1]
}

func TestProtect_Threshold(t *testing.T) {
	pol := DefaultPolicy()
	tests := []struct {
		group float64
		want  Status
	}{
		{0, SuppressedPrimary},
		{float64(pol.K - 1), SuppressedPrimary},
		{float64(pol.K), Shown},
		{float64(pol.K + 1), Shown},
	}
	for _, tt := range tests {
		t.Run(FormatNumber(tt.group, 0), func(t *testing.T) {
			// Alone, and as a part beside a large sibling under a shown total.
			tab := newTable().
				add(Cell{Key: "all", Count: tt.group + 40}).
				add(Cell{Key: "small", Count: tt.group, Group: tt.group}).
				add(Cell{Key: "large", Count: 40}).
				rel("all", "small", "large")
			if tt.group == 0 {
				tab.cells[1].Group = 0
			}
			res := tab.protect(t, pol)
			if got := tab.status(res, "small"); got != tt.want {
				t.Errorf("status of a group of %v = %v, want %v", tt.group, got, tt.want)
			}
			if tt.want.Hidden() {
				if tab.status(res, "all") == Shown && tab.status(res, "large") == Shown {
					t.Errorf("total and sibling both shown: the hidden cell is their difference")
				}
				lo, hi := tab.interval(t, res, "small", pol)
				if hi-lo < pol.ProtectionWidth {
					t.Errorf("attacker bounds the hidden cell to [%v, %v]", lo, hi)
				}
			} else if s := res.Stats(); s.Secondary != 0 {
				t.Errorf("secondary suppressions = %d, want 0", s.Secondary)
			}
		})
	}
}

func TestProtect_AllFail(t *testing.T) {
	pol := DefaultPolicy()
	tab := newTable().add(Cell{Key: "total", Count: 24})
	grades := []string{"A", "B", "C", "D", "E", "F", "-"}
	for _, g := range grades {
		v := 0.0
		if g == "F" {
			v = 24
		}
		tab.add(Cell{Key: g, Count: v, Group: 24, Denom: 24})
	}
	tab.rel("total", grades...)
	res := tab.protect(t, pol)
	if got := tab.status(res, "total"); got != Shown {
		t.Errorf("group size status = %v, want shown", got)
	}
	for _, g := range grades {
		o := res.Outcome(tab.idx[g])
		if o.Status() != Coded {
			t.Errorf("grade %s: status %v, want coded", g, o.Status())
			continue
		}
		want := "≤5\u00a0%"
		if g == "F" {
			want = "≥95\u00a0%"
		}
		if got := o.ShareDisplay(tab.cells[tab.idx[g]].Count/24, 1); got != want {
			t.Errorf("grade %s: share display %q, want %q", g, got, want)
		}
		if got := o.CountDisplay(); got != DisplayHidden {
			t.Errorf("grade %s: count display %q, want %q", g, got, DisplayHidden)
		}
		if _, ok := o.Value(); ok {
			t.Errorf("grade %s: exact count published", g)
		}
	}
	// A reader cannot tell "all 24 failed" from "23 failed".
	lo, hi := tab.interval(t, res, "F", pol)
	if lo > 23 || hi < 24 {
		t.Errorf("attacker bounds F to [%v, %v], want it to allow 23 and 24", lo, hi)
	}
}

func TestProtect_OneBoyAmongTwelveGirls(t *testing.T) {
	pol := DefaultPolicy()
	tab := newTable().
		add(Cell{Key: "all", Count: 13}).
		add(Cell{Key: "F", Count: 12}).
		add(Cell{Key: "M", Count: 1}).
		rel("all", "F", "M")
	res := tab.protect(t, pol)
	if got := tab.status(res, "M"); got != SuppressedPrimary {
		t.Errorf("boy: %v, want suppressed_primary", got)
	}
	if tab.status(res, "F") == Shown && tab.status(res, "all") == Shown {
		t.Error("girls and all shown: the boy is all − girls")
	}
	if lo, hi := tab.interval(t, res, "M", pol); hi-lo < pol.ProtectionWidth {
		t.Errorf("boys bounded to [%v, %v]", lo, hi)
	}
}

func TestProtect_SingleSchoolUnit(t *testing.T) {
	pol := DefaultPolicy()
	tests := []struct {
		name string
		tab  *table
	}{
		{"municipality with one school unit", newTable().
			add(Cell{Key: "nation", Count: 58}).
			add(Cell{Key: "mun1", Count: 8}).
			add(Cell{Key: "mun2", Count: 50}).
			add(Cell{Key: "mun1/s1", Count: 8}).
			add(Cell{Key: "mun2/s1", Count: 20}).
			add(Cell{Key: "mun2/s2", Count: 30}).
			rel("nation", "mun1", "mun2").
			rel("mun1", "mun1/s1").
			rel("mun2", "mun2/s1", "mun2/s2")},
		{"organiser with one school unit", newTable().
			add(Cell{Key: "mun", Count: 47}).
			add(Cell{Key: "s1", Count: 7}).
			add(Cell{Key: "s2", Count: 25}).
			add(Cell{Key: "s3", Count: 15}).
			add(Cell{Key: "org1", Count: 7}).
			add(Cell{Key: "org2", Count: 40}).
			rel("mun", "s1", "s2", "s3").
			rel("org1", "s1").
			rel("org2", "s2", "s3").
			rel("mun", "org1", "org2")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.tab.protect(t, pol)
			for i, c := range tt.tab.cells {
				if c.Count < float64(pol.K) && res.Outcome(i).Status() == Shown {
					t.Errorf("%s (%v pupils) shown", c.Key, c.Count)
				}
			}
			small := tt.tab.cells[1].Key
			if tt.name[0] == 'o' {
				small = "s1"
			}
			if lo, hi := tt.tab.interval(t, res, small, pol); hi-lo < pol.ProtectionWidth {
				t.Errorf("%s bounded to [%v, %v]", small, lo, hi)
			}
		})
	}
}

// TestProtect_HiddenSumToSmall: hidden cells adding up to a shown 0 or 1 pin each other by
// non-negativity though no single equation gives them away; the audit must see it and
// Protect must widen them.
func TestProtect_HiddenSumToSmall(t *testing.T) {
	pol := DefaultPolicy()
	for _, sum := range []float64{0, 1} {
		t.Run(FormatNumber(sum, 0), func(t *testing.T) {
			tab := newTable().
				add(Cell{Key: "total", Count: 40 + sum}).
				add(Cell{Key: "a", Count: sum, Group: 3}).
				add(Cell{Key: "b", Count: 0, Group: 2}).
				add(Cell{Key: "c", Count: 40}).
				rel("total", "a", "b", "c")
			// The naive pattern (primaries only) fails the audit.
			naive := make([]Public, len(tab.cells))
			for i, c := range tab.cells {
				naive[i] = Public{Key: c.Key, Shown: c.Group >= 10, Value: c.Count, Unbounded: c.Group < 10}
			}
			rep, err := Audit(context.Background(), naive, tab.rels, pol)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Failures) != 2 {
				t.Fatalf("audit of the naive pattern: %d failures, want 2 (a and b)", len(rep.Failures))
			}
			for _, f := range rep.Failures {
				if f.Lo != 0 || f.Hi != sum {
					t.Errorf("naive: %s bounded to [%v, %v], want [0, %v]", f.Key, f.Lo, f.Hi, sum)
				}
			}
			res := tab.protect(t, pol)
			if lo, hi := tab.interval(t, res, "a", pol); hi-lo < pol.ProtectionWidth {
				t.Errorf("a bounded to [%v, %v]", lo, hi)
			}
		})
	}
}

// TestProtect_MeanOfHiddenGroup: a group's mean is hidden (its n is below k) while the
// parent's mean and n are shown; sums (mean × n) obey the same relations as n, so the
// pattern Protect finds for the n cells must protect the sums too.
func TestProtect_MeanOfHiddenGroup(t *testing.T) {
	pol := DefaultPolicy()
	n := newTable().
		add(Cell{Key: "all", Count: 25}).
		add(Cell{Key: "F", Count: 22}).
		add(Cell{Key: "M", Count: 3}).
		rel("all", "F", "M")
	res := n.protect(t, pol)
	sums := map[string]float64{"all": 230 * 25, "F": 225 * 22, "M": 230*25 - 225*22}
	pub := make([]Public, len(n.cells))
	naive := make([]Public, len(n.cells))
	for i, c := range n.cells {
		o := res.Outcome(i)
		pub[i] = Public{Key: c.Key, Shown: o.Status() == Shown, Value: sums[c.Key], Unbounded: o.Status() != Shown}
		naive[i] = Public{Key: c.Key, Shown: c.Key != "M", Value: sums[c.Key], Unbounded: c.Key == "M"}
		if c.Key == "M" && o.ValueDisplay(sums["M"]/3, 1) != DisplayHidden {
			t.Errorf("mean of the boys displayed as %q", o.ValueDisplay(sums["M"]/3, 1))
		}
	}
	rep, err := Audit(context.Background(), naive, n.rels, pol)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Failures) != 1 || rep.Failures[0].Lo != sums["M"] {
		t.Errorf("naive pattern: failures %+v, want the boys' sum %v pinned", rep.Failures, sums["M"])
	}
	rep, err = Audit(context.Background(), pub, n.rels, pol)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Failures) != 0 {
		t.Errorf("protected pattern over sums: failures %+v", rep.Failures)
	}
}

func TestProtect_BadInput(t *testing.T) {
	pol := DefaultPolicy()
	tests := []struct {
		name  string
		cells []Cell
		rels  []Relation
	}{
		{"does not add up", []Cell{{Key: "t", Count: 10}, {Key: "a", Count: 4}, {Key: "b", Count: 5}}, []Relation{{0, []int{1, 2}}}},
		{"negative", []Cell{{Key: "a", Count: -1}}, nil},
		{"nan", []Cell{{Key: "a", Count: math.NaN()}}, nil},
		{"out of range", []Cell{{Key: "a", Count: 1}}, []Relation{{0, []int{3}}}},
		{"structural not zero", []Cell{{Key: "a", Count: 1, Structural: true}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Protect(tt.cells, tt.rels, pol, nil); !errors.Is(err, ErrInput) {
				t.Errorf("Protect error = %v, want ErrInput", err)
			}
		})
	}
	if _, err := Protect(nil, nil, Policy{K: 0}, nil); !errors.Is(err, ErrPolicy) {
		t.Errorf("Protect with k = 0: %v, want ErrPolicy", err)
	}
}

func TestAudit_Inconsistent(t *testing.T) {
	cells := []Public{{Key: "t", Shown: true, Value: 10}, {Key: "a", Shown: true, Value: 12}, {Key: "b", Unbounded: true}}
	if _, err := Audit(context.Background(), cells, []Relation{{0, []int{1, 2}}}, DefaultPolicy()); err == nil {
		t.Error("Audit of figures no values fit: no error")
	}
}

func TestProtect_Structural(t *testing.T) {
	pol := DefaultPolicy()
	// A school without grade 9: the grade-9 cell is known empty, so the total equals grade 8
	// and that is no disclosure.
	tab := newTable().
		add(Cell{Key: "all", Count: 30}).
		add(Cell{Key: "g8", Count: 30}).
		add(Cell{Key: "g9", Structural: true}).
		rel("all", "g8", "g9")
	res := tab.protect(t, pol)
	if got := tab.status(res, "g9"); got != Missing {
		t.Errorf("structural cell: %v, want missing", got)
	}
	if got := res.Outcome(tab.idx["g9"]).CountDisplay(); got != DisplayMissing {
		t.Errorf("structural display %q, want %q", got, DisplayMissing)
	}
	if s := res.Stats(); s.Secondary != 0 || s.Shown != 2 {
		t.Errorf("stats %+v, want 2 shown and no secondary", s)
	}
}

func TestAuditError_Error(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  *AuditError
		want string
	}{
		{"names the first cell", &AuditError{Keys: []string{"a|b", "c"}, Reasons: []string{"pinned to a single value", "x"}},
			`protection does not pass the audit: 2 hidden cells stay bounded too tightly whatever else is hidden (e.g. "a|b": pinned to a single value)`},
		{"empty", &AuditError{}, "protection does not pass the audit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("Error() = %q, want %q", got, tc.want)
			}
			var err error = tc.err
			if !errors.Is(err, ErrAudit) {
				t.Errorf("errors.Is(%v, ErrAudit) = false, want true", err)
			}
		})
	}
}

// TestProtect_BandCapsItsParts: a band bounds every count it is the total of, so a hidden
// part under a narrow band can never span the protection width (or reach its own band's
// end): Protect must withdraw the band that caps it, and the published figures must pass
// the audit.
func TestProtect_BandCapsItsParts(t *testing.T) {
	pol := DefaultPolicy()
	// dist is one distribution (categories A, B and "-") of a group.
	type dist struct {
		group, denom float64
		counts       [3]float64
	}
	cats := []string{"n", "A", "B", "-"}
	tests := []struct {
		name      string
		all, f, m dist
		capped    string // the hidden count the band caps
		band      string // the band that caps it
	}{
		{
			// All pupils: no "-" of 15 is "≤10 %", at most 1.5; the boys (7, hidden by the
			// threshold) can then have at most 1 "-".
			name:   "a zero under a band narrower than the protection width",
			all:    dist{15, 15, [3]float64{8, 7, 0}},
			f:      dist{8, 8, [3]float64{4, 4, 0}},
			m:      dist{7, 7, [3]float64{4, 3, 0}},
			capped: "M|-", band: "all|-",
		},
		{
			// All pupils: 1 of 16 is "≤10 %", at most 1.6; the boys' 1 of 49 is "≤5 %", at
			// most 2.45, a value the all-pupils band already excludes.
			name:   "a band reaching past its total's band",
			all:    dist{16, 16, [3]float64{8, 7, 1}},
			f:      dist{4, 4, [3]float64{2, 2, 0}},
			m:      dist{12, 49, [3]float64{6, 5, 1}},
			capped: "M|-", band: "all|-",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := newTable()
			for _, d := range []struct {
				who string
				dist
			}{{"all", tt.all}, {"F", tt.f}, {"M", tt.m}} {
				tab.add(Cell{Key: d.who + "|n", Count: d.group, Group: d.group})
				for k, cat := range cats[1:] {
					tab.add(Cell{Key: d.who + "|" + cat, Count: d.counts[k], Group: d.group, Denom: d.denom})
				}
				tab.rel(d.who+"|n", d.who+"|A", d.who+"|B", d.who+"|-")
			}
			for _, cat := range cats {
				tab.rel("all|"+cat, "F|"+cat, "M|"+cat)
			}
			pr := newProtector(tab.cells, mustSystem(t, &cube{cells: tab.cells, rels: tab.rels}), pol, nil)
			if got := pr.status[tab.idx[tt.band]]; got != Coded {
				t.Fatalf("%s before protection: %v, want coded (the case needs its band)", tt.band, got)
			}
			if got, want := pr.cappingBand(int32(tab.idx[tt.capped])), int32(tab.idx[tt.band]); got != want {
				t.Errorf("cappingBand(%s) = cell %d, want %d (%s)", tt.capped, got, want, tt.band)
			}
			res := tab.protect(t, pol)
			if got := tab.status(res, tt.band); got == Coded {
				t.Errorf("%s: still coded, though its band caps %s", tt.band, tt.capped)
			}
			if got := tab.status(res, tt.capped); !got.Hidden() {
				t.Errorf("%s: %v, want hidden", tt.capped, got)
			}
		})
	}
}

// TestProtect_BandReachedFromItsInnerSide: a band hides how close a share is to 0 % (or
// 100 %), so an attacker may learn that a banded count lies away from that end. The nation's
// 3 of 1,020 pupils in category B (≤1 %) include the 3 of a small school's 20, shown: that
// the nation has at least 3 tells nothing the band hides, and the small school's figures
// stay shown (a rule that required the whole band hid them).
func TestProtect_BandReachedFromItsInnerSide(t *testing.T) {
	pol := DefaultPolicy()
	tab := newTable()
	for _, a := range []struct {
		key     string
		n, A, B float64
	}{{"SE", 1020, 1017, 3}, {"small", 20, 17, 3}, {"large", 1000, 1000, 0}} {
		tab.add(Cell{Key: a.key + "|n", Count: a.n, Group: a.n})
		tab.add(Cell{Key: a.key + "|A", Count: a.A, Group: a.n, Denom: a.n})
		tab.add(Cell{Key: a.key + "|B", Count: a.B, Group: a.n, Denom: a.n})
		tab.rel(a.key+"|n", a.key+"|A", a.key+"|B")
	}
	for _, c := range []string{"n", "A", "B"} {
		tab.rel("SE|"+c, "small|"+c, "large|"+c)
	}
	res := tab.protect(t, pol)
	for _, key := range []string{"small|n", "small|A", "small|B", "large|n", "SE|n"} {
		if got := tab.status(res, key); got != Shown {
			t.Errorf("%s: %v, want shown", key, got)
		}
	}
	if got := tab.status(res, "large|B"); got != Coded {
		t.Errorf("large|B: %v, want coded", got)
	}
	lo, hi := tab.interval(t, res, "large|B", pol)
	if lo > 1e-9 || hi < 10-1e-9 {
		t.Errorf("large|B (0 of 1,000, ≤1 %%): attacker's interval [%v, %v], want its whole band [0, 10]", lo, hi)
	}
}

// TestProtector_nearestShown: when no shown cell is left in a failing cell's own relations,
// the repair frees the relation nearest to it that a shown value still fixes, not the
// cheapest shown cell anywhere in its block.
func TestProtector_nearestShown(t *testing.T) {
	tab := newTable().
		add(Cell{Key: "a", Count: 1, Internal: true}).
		add(Cell{Key: "b", Count: 52, Internal: true}).
		add(Cell{Key: "T", Count: 53, Internal: true}).
		add(Cell{Key: "d", Count: 2, Internal: true}).
		add(Cell{Key: "near", Count: 50}).
		add(Cell{Key: "e", Count: 1, Internal: true}).
		add(Cell{Key: "X", Count: 54, Internal: true}).
		add(Cell{Key: "far", Count: 12}).
		add(Cell{Key: "Y", Count: 66}).
		rel("T", "a", "b").
		rel("b", "d", "near").
		rel("X", "T", "e").
		rel("Y", "X", "far")
	pr := newProtector(tab.cells, mustSystem(t, &cube{cells: tab.cells, rels: tab.rels}), DefaultPolicy(), nil)
	a := int32(tab.idx["a"])
	if got := pr.cheapest(pr.sys.cellRel[a]); got != -1 {
		t.Fatalf("a's own relations hold shown cell %d, want none (the case needs it)", got)
	}
	if got, want := pr.cheapest(pr.blockRelations(a)), int32(tab.idx["far"]); got != want {
		t.Fatalf("cheapest shown cell in a's block = %d, want %d (far, the case needs it)", got, want)
	}
	if got, want := pr.nearestShown(a), int32(tab.idx["near"]); got != want {
		t.Errorf("nearestShown(a) = cell %d, want %d (near: in the relation of b, a's neighbour)", got, want)
	}
}

func TestProtector_lookFar(t *testing.T) {
	tab := newTable()
	for i := 0; i < 12; i++ {
		tab.add(Cell{Key: fmt.Sprintf("c%d", i), Count: 3})
	}
	tab.add(Cell{Key: "T", Count: 36})
	parts := make([]string, 12)
	for i := range parts {
		parts[i] = fmt.Sprintf("c%d", i)
	}
	tab.rel("T", parts...)
	fails := func(cells ...int32) []failure {
		fs := make([]failure, len(cells))
		for i, c := range cells {
			fs[i] = failure{cell: c}
		}
		return fs
	}
	type step struct {
		name   string
		deep   bool
		failed []failure
		want   bool    // lookFar's answer
		far    []int32 // the cells marked after it
	}
	many := fails(0, 1, 2, 3, 4, 5, 6, 7, 8)
	steps := []step{
		{"more failures than a tail: nothing marked", false, many, false, nil},
		{"a tail: its cells marked, check again", false, fails(1, 2), true, []int32{1, 2}},
		{"1 fails even so: unmarked; 3 is new", false, fails(1, 3), true, []int32{2, 3}},
		{"1 and 3 again: tried once, repaired as usual", false, fails(1, 3), false, []int32{2}},
		{"the deep look marks nothing", true, fails(4), false, []int32{2}},
	}
	pr := newProtector(tab.cells, mustSystem(t, &cube{cells: tab.cells, rels: tab.rels}), DefaultPolicy(), nil)
	for _, s := range steps {
		pr.prob.deep = s.deep
		if got := pr.lookFar(s.failed); got != s.want {
			t.Errorf("%s: lookFar = %v, want %v", s.name, got, s.want)
		}
		var got []int32
		for c := range pr.prob.far {
			got = append(got, c)
		}
		slices.Sort(got)
		if !slices.Equal(got, s.far) {
			t.Errorf("%s: far = %v, want %v", s.name, got, s.far)
		}
	}
}
