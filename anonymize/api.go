package anonymize

import (
	"context"
	"errors"
)

// PROVISIONAL: the signatures in this file are the contract the rest of skolstat codes
// against; the anonymize issue replaces the bodies (and this comment).

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

// DefaultPolicy returns the policy of DESIGN §4.
func DefaultPolicy() Policy {
	return Policy{K: 10, ProtectionWidth: 2, Tiers: []Tier{
		{MinGroup: 10, Low: 0.10, High: 0.90},
		{MinGroup: 21, Low: 0.05, High: 0.95},
		{MinGroup: 51, Low: 0.02, High: 0.98},
		{MinGroup: 101, Low: 0.01, High: 0.99},
	}}
}

// Validate reports a policy that cannot protect anything.
func (p Policy) Validate() error {
	if p.K < 1 {
		return errors.New("policy: k must be at least 1")
	}
	return nil
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
}

// Status returns the cell's status.
func (o Outcome) Status() Status { return o.status }

// Band returns the band of a coded cell.
func (o Outcome) Band() (Band, bool) { return o.band, o.status == Coded }

// Stats summarises a protection run: cells per status and information loss.
type Stats struct {
	Cells, Shown, Primary, Secondary, Coded, Missing int
	HiddenPopulation, Population                     float64
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

// ErrNotImplemented is returned while the engine is being built.
var ErrNotImplemented = errors.New("anonymize: not implemented")

// Protect decides the status of every cell under pol; ledger (may be nil) keeps closed periods'
// patterns across runs.
func Protect(cells []Cell, rels []Relation, pol Policy, ledger *Ledger) (*Result, error) {
	return nil, ErrNotImplemented
}

// Ledger keeps the protection pattern of closed periods across nightly runs.
type Ledger struct{}

// Public is what a reader of the published figures knows of one additive cell.
type Public struct {
	Key       string
	Shown     bool    // the exact value is published
	Value     float64 // when Shown
	Lo, Hi    float64 // what the display tells when not shown; Hi ignored when Unbounded
	Unbounded bool
	Coded     bool // the interval [Lo, Hi] is a published band, not a protection
}

// AuditFailure names a hidden cell an attacker can bound too tightly.
type AuditFailure struct {
	Key    string
	Lo, Hi float64
	Reason string
}

// AuditReport is the outcome of Audit.
type AuditReport struct {
	Checked  int
	Blocks   int
	Failures []AuditFailure
}

// Audit solves, for every hidden cell, the smallest and largest value it can take given every
// shown cell, the relations, non-negativity and the bands.
func Audit(ctx context.Context, cells []Public, rels []Relation, pol Policy) (*AuditReport, error) {
	return nil, ErrNotImplemented
}
