package anonymize

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
)

// Ledger keeps the protection pattern of closed periods across nightly runs: a closed cell
// hidden in one run stays hidden in every later run, so that comparing two nights' snapshots
// undoes nothing. The caller loads and saves it; Protect reads and updates it.
type Ledger struct {
	cells map[string]Status
}

// NewLedger returns an empty ledger.
func NewLedger() *Ledger { return &Ledger{cells: make(map[string]Status)} }

// ledgerFile is the JSON form of a ledger.
type ledgerFile struct {
	Version int               `json:"version"`
	Hidden  map[string]string `json:"hidden"` // cell key → status when it was first hidden
}

// LoadLedger reads a ledger written by Save.
func LoadLedger(r io.Reader) (*Ledger, error) {
	var f ledgerFile
	if err := json.NewDecoder(r).Decode(&f); err != nil {
		return nil, fmt.Errorf("load ledger: %w", err)
	}
	if f.Version != 1 {
		return nil, fmt.Errorf("load ledger: unknown version %d", f.Version)
	}
	l := NewLedger()
	for k, s := range f.Hidden {
		st, ok := parseStatus(s)
		if !ok || !st.Hidden() {
			return nil, fmt.Errorf("load ledger: bad status %q", s)
		}
		l.cells[k] = st
	}
	return l, nil
}

// Save writes the ledger as JSON, keys sorted so that the file diffs well.
func (l *Ledger) Save(w io.Writer) error {
	f := ledgerFile{Version: 1, Hidden: make(map[string]string, len(l.cells))}
	keys := make([]string, 0, len(l.cells))
	for k := range l.cells {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f.Hidden[k] = l.cells[k].String()
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	if err := enc.Encode(f); err != nil {
		return fmt.Errorf("save ledger: %w", err)
	}
	return nil
}

// Len returns the number of closed cells the ledger keeps hidden.
func (l *Ledger) Len() int {
	if l == nil {
		return 0
	}
	return len(l.cells)
}

// Hidden reports whether the ledger keeps the cell with this key hidden.
func (l *Ledger) Hidden(key string) bool { return l.hidden(key) }

func (l *Ledger) hidden(key string) bool {
	if l == nil {
		return false
	}
	_, ok := l.cells[key]
	return ok
}

// record adds this run's hidden closed cells.
func (l *Ledger) record(cells []Cell, res *Result) {
	if l.cells == nil {
		l.cells = make(map[string]Status)
	}
	for i, c := range cells {
		if !c.Closed {
			continue
		}
		if st := res.outcomes[i].status; st.Hidden() {
			if _, ok := l.cells[c.Key]; !ok {
				l.cells[c.Key] = st
			}
		}
	}
}

func parseStatus(s string) (Status, bool) {
	for st := Shown; st <= Missing; st++ {
		if st.String() == s {
			return st, true
		}
	}
	return 0, false
}
