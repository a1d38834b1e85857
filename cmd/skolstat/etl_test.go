package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/skolstat/skolstat/etl/extract/extracttest"
	"github.com/skolstat/skolstat/etl/publish"
	"github.com/skolstat/skolstat/etl/runlog"
)

func TestRunETL_flags(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"no pg", []string{"--data", t.TempDir()}},
		{"no data", []string{"--pg", "postgres://x"}},
		{"keep zero", []string{"--pg", "postgres://x", "--data", t.TempDir(), "--keep", "0"}},
		{"share above one", []string{"--pg", "postgres://x", "--data", t.TempDir(), "--max-reject-share", "2"}},
		{"unknown flag", []string{"--nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if err := runETL(context.Background(), tt.args, &stdout, &stderr); !errors.Is(err, errUsage) {
				t.Errorf("runETL(%v) = %v, want errUsage", tt.args, err)
			}
			if stderr.Len() == 0 {
				t.Error("no usage printed")
			}
		})
	}
}

func TestRunETL_andRuns(t *testing.T) {
	dsn := extracttest.New(t)
	data := t.TempDir()
	t.Setenv("SKOLSTAT_SECRET", "a test secret that is long enough")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"etl", "--pg", dsn, "--data", data}, &stdout, &stderr); code != 0 {
		t.Fatalf("skolstat etl exited %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "succeeded") {
		t.Errorf("etl output %q does not say the run succeeded", stdout.String())
	}
	current, err := publish.Current(data)
	if err != nil {
		t.Fatalf("no current snapshot after skolstat etl: %v", err)
	}
	// The published snapshot passes `skolstat audit` as a reader runs it (no true values).
	var auditOut bytes.Buffer
	if err := runAudit(context.Background(), []string{"--snapshot", current}, &auditOut, &stderr); err != nil {
		t.Fatalf("skolstat audit of the current snapshot: %v\n%s", err, auditOut.String())
	}
	if !strings.Contains(auditOut.String(), "failures: 0") {
		t.Errorf("skolstat audit output %q, want no failures", auditOut.String())
	}
	// A second run against a dead source fails and says so; the first snapshot stays current.
	stdout.Reset()
	stderr.Reset()
	if code := run(context.Background(), []string{"etl", "--pg", "postgres://postgres@127.0.0.1:1/none?connect_timeout=2", "--data", data}, &stdout, &stderr); code != 1 {
		t.Fatalf("etl against a closed port exited %d, want 1", code)
	}
	if !strings.Contains(stderr.String(), "connect to source") {
		t.Errorf("error output %q does not name the failed step", stderr.String())
	}

	stdout.Reset()
	if code := run(context.Background(), []string{"runs", "--data", data}, &stdout, &stderr); code != 0 {
		t.Fatalf("skolstat runs exited %d: %s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"STATUS", "succeeded", "failed", "connect to source", "full"} {
		if !strings.Contains(out, want) {
			t.Errorf("runs output lacks %q:\n%s", want, out)
		}
	}
	stdout.Reset()
	if code := run(context.Background(), []string{"runs", "--data", data, "--json"}, &stdout, &stderr); code != 0 {
		t.Fatalf("skolstat runs --json exited %d", code)
	}
	var runs []runlog.Run
	if err := json.Unmarshal(stdout.Bytes(), &runs); err != nil {
		t.Fatalf("runs --json: %v", err)
	}
	if len(runs) != 2 || runs[0].Status != runlog.StatusSucceeded || runs[0].Rows["attendance"] != extracttest.Pupils*extracttest.Days {
		t.Errorf("runs --json = %+v", runs)
	}
	if strings.Contains(stdout.String(), "p001") {
		t.Error("a platform pupil key appears in the run records")
	}
}

func TestRunRuns_empty(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := runRuns(context.Background(), []string{"--data", t.TempDir()}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "no runs") {
		t.Errorf("output %q", stdout.String())
	}
	if err := runRuns(context.Background(), nil, &stdout, &stderr); !errors.Is(err, errUsage) {
		t.Errorf("runs without --data: %v, want errUsage", err)
	}
}
