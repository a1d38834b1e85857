package accesslog_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skolstat/skolstat/dashboards/accesslog"
)

func writeLog(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), accesslog.FileName)
	l, err := accesslog.Open(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			err := l.Append(accesslog.Entry{Time: time.Now(), Subject: "s", Role: "principal", Route: "/api/v1/statistics/:id/cells",
				Filters: map[string][]string{"area_code": {"10000001"}}, Returned: i, Hidden: i / 2, Status: 200})
			if err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestVerify_intact(t *testing.T) {
	path := writeLog(t, 50)
	// Reopening continues the chain.
	l, err := accesslog.Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Append(accesslog.Entry{Route: "/x"}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	f, _ := os.Open(path)
	defer f.Close()
	n, err := accesslog.Verify(f)
	if err != nil || n != 51 {
		t.Fatalf("Verify = %d, %v; want 51 lines intact", n, err)
	}
}

func TestVerify_tampering(t *testing.T) {
	path := writeLog(t, 10)
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSuffix(string(orig), "\n"), "\n")
	if len(lines) != 10 {
		t.Fatalf("%d lines", len(lines))
	}
	join := func(ls []string) string {
		s := strings.Join(ls, "")
		if !strings.HasSuffix(s, "\n") {
			s += "\n"
		}
		return s
	}
	edit := append([]string{}, lines...)
	edit[4] = strings.Replace(edit[4], `"sub":"s"`, `"sub":"t"`, 1)
	editCount := append([]string{}, lines...)
	editCount[7] = strings.Replace(editCount[7], `"returned":`, `"returned":1`, 1)
	del := append(append([]string{}, lines[:3]...), lines[4:]...)
	reorder := append([]string{}, lines...)
	reorder[5], reorder[6] = reorder[6], reorder[5]
	delFirst := append([]string{}, lines[1:]...)
	tests := []struct {
		name, content string
	}{
		{"edited subject", join(edit)},
		{"edited count", join(editCount)},
		{"deleted line", join(del)},
		{"deleted first line", join(delFirst)},
		{"reordered lines", join(reorder)},
		{"garbage line", join(append(append([]string{}, lines[:2]...), "hello\n"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.content == string(orig) {
				t.Fatal("tampering changed nothing")
			}
			_, err := accesslog.Verify(bytes.NewReader([]byte(tt.content)))
			if !errors.Is(err, accesslog.ErrTampered) {
				t.Errorf("Verify err = %v, want ErrTampered", err)
			}
		})
	}
}
