// Package anonymize protects statistical tables against disclosure: it takes cells and the
// linear relations between them and decides which figures may be shown, banded or hidden, and
// audits the result as an attacker would. It knows nothing of schools.
package anonymize

// Cell is one additive figure handed in for protection: a count of pupils, users or events in
// one group (or one category of a group). Relations hold between the Counts of cells.
type Cell struct {
	// Key identifies the cell stably across runs (the caller's dimension tuple); the ledger
	// and audit reports use it. It must not hold a pupil key or any row-level value.
	Key string
	// Count is the additive quantity (≥ 0) the relations hold over.
	Count float64
	// Group is the number of distinct pupils or users the figure rests on: the k rule applies
	// to it. For a category count it is the size of the whole group (the distribution total).
	Group float64
	// Denom, when > 0, is the denominator of a share Count/Denom that is published beside the
	// count; near-homogeneity applies to that share.
	Denom float64
	// Internal marks a cell that is never published but must still be protected, such as the
	// pupils of unknown gender, who count in "all" only.
	Internal bool
	// Structural marks a cell known to be empty from public facts alone (a grade level a school
	// unit does not have): published as missing and treated as a known zero.
	Structural bool
	// Closed marks a cell of a period that has ended: its protection is kept in the ledger.
	Closed bool
	// Coords, when set, place the cell in its table: one value per dimension (at most 8),
	// unique per cell, such that each relation's cells differ in one coordinate only (the
	// dimension it runs along). Protect then searches hypercubes (see hypercube.go).
	Coords []int32
}

// Relation states that the Count of Total equals the sum of the Counts of Parts. Indices refer
// to the cell slice handed to Protect. A relation with one part states that two cells are equal
// (two statistics sharing a population).
type Relation struct {
	Total int
	Parts []int
}

// Status is the protection outcome of one cell.
type Status uint8

// The statuses of DESIGN §4.
const (
	Shown Status = iota
	SuppressedPrimary
	SuppressedSecondary
	Coded
	Missing
)

// String returns the status as it is published.
func (s Status) String() string {
	switch s {
	case Shown:
		return "shown"
	case SuppressedPrimary:
		return "suppressed_primary"
	case SuppressedSecondary:
		return "suppressed_secondary"
	case Coded:
		return "coded"
	case Missing:
		return "missing"
	}
	return "unknown"
}

// Hidden reports whether the exact count is withheld.
func (s Status) Hidden() bool { return s != Shown && s != Missing }
