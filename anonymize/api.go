package anonymize

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// Tier is one band of the near-homogeneity rule: for groups of at least MinGroup, a share at or
// below Low or at or above High is shown only as a band.
type Tier struct {
	MinGroup float64
	Low      float64 // e.g. 0.05 → "≤5 %"
	High     float64 // e.g. 0.95 → "≥95 %"
}

// Policy holds the protection rules; DefaultPolicy gives DESIGN §4's defaults.
type Policy struct {
	// K is the group threshold: a figure over fewer than K pupils or users is not shown.
	K int
	// Tiers are the near-homogeneity bands by group size, in ascending MinGroup.
	Tiers []Tier
	// ProtectionWidth is the narrowest interval (in counts) an attacker may bound a hidden
	// cell to; narrower blocks the release.
	ProtectionWidth float64
}

// DefaultPolicy returns the policy of DESIGN §4: k = 10, bands tiered by group size so that
// every band holds at least one pupil either side of the extreme (10 % for 10–20 pupils, 5 %
// for 21–50, 2 % for 51–100, 1 % from 101), and a hidden count must not be bounded to an
// interval narrower than 2.
func DefaultPolicy() Policy {
	return Policy{K: 10, ProtectionWidth: 2, Tiers: []Tier{
		{MinGroup: 10, Low: 0.10, High: 0.90},
		{MinGroup: 21, Low: 0.05, High: 0.95},
		{MinGroup: 51, Low: 0.02, High: 0.98},
		{MinGroup: 101, Low: 0.01, High: 0.99},
	}}
}

// ErrPolicy reports a policy that cannot protect anything.
var ErrPolicy = errors.New("invalid protection policy")

// Validate reports a policy that cannot protect anything.
func (p Policy) Validate() error {
	if p.K < 1 {
		return fmt.Errorf("%w: k must be at least 1", ErrPolicy)
	}
	if p.ProtectionWidth < 0 || math.IsNaN(p.ProtectionWidth) {
		return fmt.Errorf("%w: protection width must be at least 0", ErrPolicy)
	}
	for i, t := range p.Tiers {
		if i > 0 && t.MinGroup <= p.Tiers[i-1].MinGroup {
			return fmt.Errorf("%w: tiers must ascend by group size", ErrPolicy)
		}
		if !(t.Low >= 0 && t.Low < t.High && t.High <= 1) {
			return fmt.Errorf("%w: tier %d needs 0 ≤ low < high ≤ 1", ErrPolicy, i)
		}
	}
	return nil
}

// tier returns the near-homogeneity tier for a group of size g.
func (p Policy) tier(g float64) (Tier, bool) {
	var out Tier
	ok := false
	for _, t := range p.Tiers {
		if g >= t.MinGroup {
			out, ok = t, true
		}
	}
	return out, ok
}

// Band is the interval a coded share is shown as.
type Band struct {
	Low, High float64 // share bounds, 0..1
	Label     string  // "≥95 %", "≤5 %"
}

// Outcome is the protection decision for one cell; only Protect constructs it.
type Outcome struct {
	status Status
	band   Band
	count  float64
	denom  float64
}

// Status returns the cell's status.
func (o Outcome) Status() Status { return o.status }

// Band returns the band of a coded cell.
func (o Outcome) Band() (Band, bool) { return o.band, o.status == Coded }

// Stats summarises a protection run: cells per status and information loss. Internal cells
// count in Cells and Primary but not in the population figures.
type Stats struct {
	Cells, Shown, Primary, Secondary, Coded, Missing int
	// HiddenPopulation is the sum of the counts of hidden published cells, Population the sum
	// over all published cells: their ratio is the information loss weighted by size.
	HiddenPopulation, Population float64
	// Internal is the number of cells never published; Rounds the audit rounds Protect took.
	Internal, Rounds int
}

// Result holds the outcome for every cell handed to Protect; only Protect constructs it.
type Result struct {
	outcomes []Outcome
	stats    Stats
}

// Outcome returns the decision for cell i of the input.
func (r *Result) Outcome(i int) Outcome { return r.outcomes[i] }

// Len returns the number of cells.
func (r *Result) Len() int { return len(r.outcomes) }

// Stats returns the run's summary.
func (r *Result) Stats() Stats { return r.stats }

// Public returns what a reader of the published figures knows of each cell (the input of
// Audit); cells must be the slice handed to Protect.
func (r *Result) Public(cells []Cell) []Public {
	out := make([]Public, len(cells))
	for i, c := range cells {
		o := r.outcomes[i]
		lo, hi, bounded := o.Bounds()
		out[i] = Public{Key: c.Key, Lo: lo, Hi: hi, Unbounded: !bounded, Coded: o.status == Coded, Coords: c.Coords}
		if o.status == Shown || o.status == Missing {
			out[i].Shown = true
			out[i].Value = lo
		}
		if c.Internal && c.Group == 0 && c.Count == 0 {
			// An empty internal cell needs no protection (see setHidden).
			out[i] = Public{Key: c.Key, Shown: true}
		}
	}
	return out
}

// ErrNotImplemented is kept for callers written against the provisional API; Protect and
// Audit no longer return it.
var ErrNotImplemented = errors.New("anonymize: not implemented")

// ErrInput reports cells or relations Protect cannot work on.
var ErrInput = errors.New("invalid protection input")

// ErrAudit reports that protection could not reach a pattern that passes the audit.
var ErrAudit = errors.New("protection does not pass the audit")

// AuditError names the hidden cells Protect could not protect whatever else it hid; it
// wraps ErrAudit.
type AuditError struct {
	Keys    []string // the cells' keys
	Reasons []string // why each fails, in the same order
}

// Error names the count and the first cell.
func (e *AuditError) Error() string {
	if len(e.Keys) == 0 {
		return ErrAudit.Error()
	}
	return fmt.Sprintf("%v: %d hidden cells stay bounded too tightly whatever else is hidden (e.g. %q: %s)",
		ErrAudit, len(e.Keys), e.Keys[0], e.Reasons[0])
}

// Unwrap returns ErrAudit.
func (e *AuditError) Unwrap() error { return ErrAudit }

// Protect decides the status of every cell under pol; ledger (may be nil) keeps closed periods'
// patterns across runs and is updated with this run's pattern of closed cells.
func Protect(cells []Cell, rels []Relation, pol Policy, ledger *Ledger) (*Result, error) {
	return ProtectContext(context.Background(), cells, rels, pol, ledger)
}

// ProtectContext is Protect with a context that can cancel a long run.
func ProtectContext(ctx context.Context, cells []Cell, rels []Relation, pol Policy, ledger *Ledger) (*Result, error) {
	if err := pol.Validate(); err != nil {
		return nil, err
	}
	if err := checkCells(cells, rels); err != nil {
		return nil, err
	}
	sys, err := newSystem(len(cells), rels)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	if err := checkRelations(cells, sys); err != nil {
		return nil, err
	}
	pr := newProtector(cells, sys, pol, ledger)
	if err := pr.run(ctx); err != nil {
		return nil, err
	}
	res := pr.result()
	if ledger != nil {
		ledger.record(cells, res)
	}
	return res, nil
}

// Public is what a reader of the published figures knows of one additive cell.
type Public struct {
	Key       string
	Shown     bool    // the exact value is published (a missing cell is shown as 0)
	Value     float64 // when Shown
	Lo, Hi    float64 // what the display tells when not shown; Hi ignored when Unbounded
	Unbounded bool
	Coded     bool // the interval [Lo, Hi] is a published band, not a protection
	// Coords, when set, place the cell in its table as Cell.Coords does (say, from its
	// published dimensions); the audit then also searches hypercubes from the witness. They
	// only guide the search: every move it finds is checked against relations and bounds.
	Coords []int32
}

// AuditFailure names a hidden cell an attacker can bound too tightly.
type AuditFailure struct {
	Key    string
	Cell   int // index into the cells handed to Audit
	Lo, Hi float64
	Reason string
}

// AuditReport is the outcome of Audit.
type AuditReport struct {
	Checked  int
	Blocks   int
	LPs      int // linear programs solved (the rest was certified without one)
	Failures []AuditFailure
}

// Audit solves, for every hidden cell, the smallest and largest value it can take given every
// shown cell, the relations, non-negativity and the bands. It needs no true values: it finds a
// feasible point itself. An error means the input is inconsistent (no values fit it).
func Audit(ctx context.Context, cells []Public, rels []Relation, pol Policy) (*AuditReport, error) {
	if err := pol.Validate(); err != nil {
		return nil, err
	}
	sys, err := newSystem(len(cells), rels)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	return auditSystem(ctx, cells, sys, pol, nil)
}

// AuditTerms is Audit over relations in the published form: for each relation,
// sum(coef * value) = 0 over its terms (cell index, coefficient).
func AuditTerms(ctx context.Context, cells []Public, rels [][]Term, pol Policy) (*AuditReport, error) {
	return AuditTermsFrom(ctx, cells, rels, pol, nil)
}

// ErrWitness reports a witness that does not fit what is published.
var ErrWitness = errors.New("the witness does not fit the published figures")

// AuditTermsFrom is AuditTerms starting from a witness: values for every cell (say, the true
// counts, known where the snapshot is made) that the audit first checks against every shown
// value, bound and relation, and then uses as its feasible point. The witness only helps the
// audit find the feasible points that show a hidden cell wide enough (every point it moves to
// is checked against the published figures alone), so a pass means the same as without one;
// it never weakens a verdict. A witness that does not fit is an error wrapping ErrWitness.
func AuditTermsFrom(ctx context.Context, cells []Public, rels [][]Term, pol Policy, witness []float64) (*AuditReport, error) {
	if err := pol.Validate(); err != nil {
		return nil, err
	}
	in := make([][]term, len(rels))
	for i, r := range rels {
		in[i] = make([]term, len(r))
		for k, t := range r {
			in[i][k] = term{int32(t.Cell), t.Coef}
		}
	}
	sys, err := newSystemTerms(len(cells), in)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	return auditSystem(ctx, cells, sys, pol, witness)
}

// Term is one cell's coefficient in a relation in the published form.
type Term struct {
	Cell int
	Coef float64
}

func auditSystem(ctx context.Context, cells []Public, sys *system, pol Policy, witness []float64) (*AuditReport, error) {
	p, err := publicProblem(cells, sys, pol, witness)
	if err != nil {
		return nil, err
	}
	n := len(cells)
	// The first pass already tries the large neighbourhood, as Protect's own checks do: a cell
	// that needs it would otherwise wait for the much longer cycle search of the second.
	p.wide = true
	run, err := p.check(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	if len(run.failures) > 0 {
		// Look again at the failing cells over larger neighbourhoods: in a large block the
		// audit only proves a cell wide enough within the neighbourhood it solves over.
		targets := make([]bool, n)
		for _, f := range run.failures {
			targets[f.cell] = true
		}
		p.deep = true
		again, err := p.check(ctx, targets)
		if err != nil {
			return nil, fmt.Errorf("audit: %w", err)
		}
		run.lps += again.lps
		run.failures = again.failures
	}
	rep := &AuditReport{Checked: run.checked, Blocks: run.blocks, LPs: run.lps}
	for _, f := range run.failures {
		rep.Failures = append(rep.Failures, AuditFailure{Key: cells[f.cell].Key, Cell: int(f.cell), Lo: f.lo, Hi: f.hi, Reason: f.reason})
	}
	return rep, nil
}

// publicProblem is the attacker's problem of published cells: shown values, and bounds of the
// hidden ones; witness (nil, or a feasible point that fits them) becomes its x0.
func publicProblem(cells []Public, sys *system, pol Policy, witness []float64) (*problem, error) {
	n := len(cells)
	p := &problem{sys: sys, hidden: make([]bool, n), value: make([]float64, n), lo: make([]float64, n),
		hi: make([]float64, n), coded: make([]bool, n), width: pol.ProtectionWidth}
	for i, c := range cells {
		switch {
		case c.Shown:
			p.value[i] = c.Value
		case !c.Unbounded && c.Hi-c.Lo <= eps && !c.Coded:
			p.value[i] = c.Lo
		default:
			p.hidden[i] = true
			p.lo[i] = math.Max(c.Lo, 0)
			p.hi[i] = math.Inf(1)
			if !c.Unbounded {
				p.hi[i] = c.Hi
			}
			if p.hi[i] < p.lo[i] {
				return nil, fmt.Errorf("%w: cell %q has upper bound below its lower bound", ErrInput, c.Key)
			}
			p.coded[i] = c.Coded
		}
	}
	p.hyper = newHypercubes(n, func(i int) []int32 { return cells[i].Coords }, sys)
	if witness != nil {
		if err := p.fits(cells, witness); err != nil {
			return nil, err
		}
		p.x0 = witness
		// One spread for both passes: the second starts from every move the first found.
		p.cyc = newSpread(n, func(c int32) float64 { return witness[c] })
	}
	return p, nil
}
