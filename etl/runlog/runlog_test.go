package runlog_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/skolstat/skolstat/etl/runlog"
)

func TestAppend_List(t *testing.T) {
	dir := t.TempDir()
	if runs, err := runlog.List(dir); err != nil || len(runs) != 0 {
		t.Fatalf("List of empty dir = %v, %v", runs, err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	want := []runlog.Run{
		{ID: "a", Started: now, Ended: now, Status: runlog.StatusFailed, Error: "extract: boom"},
		{ID: "b", Started: now, Ended: now, Status: runlog.StatusSucceeded, Rows: map[string]int{"pupils": 3},
			Rejects: map[string]int{"unknown_pupil": 1}},
	}
	for _, r := range want {
		if err := runlog.Append(dir, r); err != nil {
			t.Fatal(err)
		}
	}
	// A torn line from a crash mid-append is skipped.
	f, _ := os.OpenFile(filepath.Join(dir, runlog.FileName), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"id":"c","sta`)
	f.Close()
	got, err := runlog.List(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "a" || got[1].Rejects["unknown_pupil"] != 1 || got[0].Error != "extract: boom" {
		t.Errorf("List = %+v", got)
	}
}
