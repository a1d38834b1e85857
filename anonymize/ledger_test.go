package anonymize

import (
	"bytes"
	"testing"
)

// TestLedger_KeepsClosedPattern: a closed cell hidden last night stays hidden tonight,
// although tonight's figures alone would show it, and the ledger survives Save/Load.
func TestLedger_KeepsClosedPattern(t *testing.T) {
	pol := DefaultPolicy()
	night := func(boys float64) *table {
		return newTable().
			add(Cell{Key: "all", Count: 30 + boys, Closed: true}).
			add(Cell{Key: "F", Count: 30, Closed: true}).
			add(Cell{Key: "M", Count: boys, Closed: true}).
			rel("all", "F", "M")
	}
	ledger := NewLedger()
	first := night(3)
	res1, err := Protect(first.cells, first.rels, pol, ledger)
	if err != nil {
		t.Fatal(err)
	}
	if first.status(res1, "M") != SuppressedPrimary {
		t.Fatalf("first night: boys %v, want suppressed_primary", first.status(res1, "M"))
	}
	var buf bytes.Buffer
	if err := ledger.Save(&buf); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadLedger(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Len() != ledger.Len() || !loaded.Hidden("M") {
		t.Fatalf("loaded ledger: %d cells, M hidden %v; saved %d", loaded.Len(), loaded.Hidden("M"), ledger.Len())
	}
	// A late correction makes the boys 12: on its own the group would be shown.
	second := night(12)
	res2, err := Protect(second.cells, second.rels, pol, loaded)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range first.cells {
		if res1.Outcome(i).Status().Hidden() && !res2.Outcome(i).Status().Hidden() {
			t.Errorf("%s hidden the first night, shown the second", c.Key)
		}
	}
	// Without the ledger the second night would show the boys: the ledger is what keeps them.
	res3, err := Protect(second.cells, second.rels, pol, nil)
	if err != nil {
		t.Fatal(err)
	}
	if second.status(res3, "M") != Shown {
		t.Errorf("without ledger: boys %v, want shown", second.status(res3, "M"))
	}
	if _, err := LoadLedger(bytes.NewBufferString(`{"version":1,"hidden":{"x":"shown"}}`)); err == nil {
		t.Error("ledger with a shown cell loaded without error")
	}
}
