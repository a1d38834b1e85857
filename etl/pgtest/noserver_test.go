package pgtest_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/skolstat/skolstat/etl/pgtest"
)

// TestHelperNoServer runs only inside TestNew_noServer's child process.
func TestHelperNoServer(t *testing.T) {
	if os.Getenv("PGTEST_CHILD") != "1" {
		t.Skip("helper for TestNew_noServer")
	}
	pgtest.New(t)
	t.Log("reached the database")
}

func TestNew_noServer(t *testing.T) {
	tests := []struct {
		name     string
		ci       string
		wantFail bool
		wantWord string
	}{
		{"local run skips", "", false, "SKIP"},
		{"CI fails", "true", true, "FAIL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run", "^TestHelperNoServer$", "-test.v")
			cmd.Env = append(os.Environ(),
				"PGTEST_CHILD=1",
				"CI="+tt.ci,
				pgtest.EnvURL+"=postgres://postgres@127.0.0.1:1/none?connect_timeout=2")
			out, err := cmd.CombinedOutput()
			if got := err != nil; got != tt.wantFail {
				t.Errorf("child failed = %v, want %v; output:\n%s", got, tt.wantFail, out)
			}
			if !strings.Contains(string(out), tt.wantWord) {
				t.Errorf("output lacks %s:\n%s", tt.wantWord, out)
			}
			if !strings.Contains(string(out), "pg_ctlcluster --skip-systemctl-redirect") {
				t.Errorf("output lacks the start hint:\n%s", out)
			}
			if strings.Contains(string(out), "reached the database") {
				t.Errorf("child reached a database on a closed port:\n%s", out)
			}
		})
	}
}
