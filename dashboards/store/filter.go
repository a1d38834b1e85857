// Package store serves the current published snapshot read-only to the server and switches to
// a new one without a failed request.
package store

// Filter selects cells of one statistic by any dimension of the published format; an empty
// slice means no restriction on that dimension, and the value "" inside a slice matches null
// ("all").
type Filter struct {
	Statistic  string
	Period     []string
	AreaLevel  []string
	AreaCode   []string
	GradeLevel []string
	Subject    []string
	Gender     []string
	Category   []string
	Measure    []string
	// Visible, when set, restricts the cells to areas it accepts; an area code it rejects is
	// reported as unknown, exactly like one that does not exist (auth.Visibility.CanSeeArea).
	Visible func(level, code string) bool
}
