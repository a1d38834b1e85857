package main

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skolstat/skolstat/etl/duck"
	"github.com/skolstat/skolstat/etl/snapshot"
)

// writeAuditSnapshot writes a snapshot with one relation total = a + b + c; a and b are
// hidden and c is shown as cValue, so a + b = 41 − cValue.
func writeAuditSnapshot(t *testing.T, cValue float64) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "snap.duckdb")
	db, err := duck.Open(ctx, path, duck.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, snapshot.Schema); err != nil {
		t.Fatal(err)
	}
	stmts := []string{
		`INSERT INTO snapshot VALUES ('r1', now(), now(), '{}', 'test')`,
		`INSERT INTO cells VALUES
			(1, 'grade_distribution', 'VT2025', 'school_unit', '12345678', 9, 'MA', NULL, NULL, 'count', 41, '41', 'shown'),
			(2, 'grade_distribution', 'VT2025', 'school_unit', '12345678', 9, 'MA', NULL, 'A', 'count', NULL, '..', 'suppressed_primary'),
			(3, 'grade_distribution', 'VT2025', 'school_unit', '12345678', 9, 'MA', NULL, 'B', 'count', NULL, '..', 'suppressed_secondary'),
			(4, 'grade_distribution', 'VT2025', 'school_unit', '12345678', 9, 'MA', NULL, 'C', 'count', ?, '40', 'shown')`,
		`INSERT INTO bounds VALUES (1, 41, 41), (2, 0, NULL), (3, 0, NULL), (4, ?, ?)`,
		`INSERT INTO relations VALUES (1, 1, -1), (1, 2, 1), (1, 3, 1), (1, 4, 1)`,
	}
	args := [][]any{nil, {cValue}, {cValue, cValue}, nil}
	for i, s := range stmts {
		if _, err := db.ExecContext(ctx, s, args[i]...); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return path
}

func TestRunAudit(t *testing.T) {
	tests := []struct {
		name     string
		c        float64
		wantFail bool
	}{
		{"protected", 30, false},
		{"hidden cells sum to one", 40, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeAuditSnapshot(t, tt.c)
			var out, errOut bytes.Buffer
			err := runAudit(context.Background(), []string{"--snapshot", path}, &out, &errOut)
			if got := errors.Is(err, errAuditFailed); got != tt.wantFail {
				t.Fatalf("runAudit error = %v, want failure %v\n%s", err, tt.wantFail, out.String())
			}
			if !strings.Contains(out.String(), "hidden cells checked: 2") {
				t.Errorf("summary lacks the checked count:\n%s", out.String())
			}
			if tt.wantFail && !strings.Contains(out.String(), "grade_distribution VT2025 school_unit 12345678 åk 9 MA alla A count  [0, 1]") {
				t.Errorf("failure does not name the cell and its interval:\n%s", out.String())
			}
		})
	}
	if err := runAudit(context.Background(), nil, &bytes.Buffer{}, &bytes.Buffer{}); !errors.Is(err, errUsage) {
		t.Errorf("runAudit without --snapshot: %v, want errUsage", err)
	}
}
