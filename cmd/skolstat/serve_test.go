package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/skolstat/skolstat/dashboards/testsnap"
	"github.com/skolstat/skolstat/etl/duck"
)

// skolstat runs a subcommand and returns its exit code, stdout and stderr.
func skolstat(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(ctx, args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestServe_tokenVerifyLogExport(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	data := t.TempDir()
	if _, err := testsnap.Publish(ctx, data, "run1", 0); err != nil {
		t.Fatal(err)
	}
	code, tok, stderr := skolstat(t, ctx, "token", "--data", data, "--role", "principal", "--scope", "school_unit:10000001", "--ttl", "1h")
	if code != 0 {
		t.Fatalf("token: %d %s", code, stderr)
	}
	tok = strings.TrimSpace(tok)
	if st, err := os.Stat(filepath.Join(data, "dev-token.key")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("dev-token.key: %v %v", st, err)
	}
	if code, _, _ := skolstat(t, ctx, "token", "--data", data, "--role", "king", "--scope", "all"); code != 2 {
		t.Errorf("token with unknown role: exit %d, want 2", code)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := parseServe([]string{"--data", data, "--dev-auth", "--addr", ln.Addr().String()}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, ln, io.Discard) }()
	base := "http://" + ln.Addr().String()
	get := func(path, token string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		var resp *http.Response
		for i := 0; i < 50; i++ {
			if resp, err = http.DefaultClient.Do(req); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, _ := get("/readyz", ""); status != 200 {
		t.Fatalf("readyz %d", status)
	}
	for i := 0; i < 3; i++ {
		if status, body := get("/api/v1/statistics/passed_all/cells?area_code=10000001", tok); status != 200 {
			t.Fatalf("cells %d %s", status, body)
		}
	}
	if status, _ := get("/api/v1/statistics/passed_all/cells?area_code=20000001", tok); status != 404 {
		t.Errorf("foreign area %d", status)
	}
	cancel() // graceful shutdown
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}

	bg := context.Background()
	code, out, stderr := skolstat(t, bg, "verify-log", "--data", data)
	if code != 0 || !strings.Contains(out, "4 lines") {
		t.Fatalf("verify-log: %d %q %q", code, out, stderr)
	}
	logPath := filepath.Join(data, "access.log")
	orig, _ := os.ReadFile(logPath)
	lines := strings.SplitAfter(string(orig), "\n")
	tampered := map[string]string{
		"edit":    strings.Replace(string(orig), `"returned":`, `"returned":9`, 1),
		"delete":  lines[0] + strings.Join(lines[2:], ""),
		"reorder": lines[1] + lines[0] + strings.Join(lines[2:], ""),
	}
	for name, content := range tampered {
		os.WriteFile(logPath, []byte(content), 0o600)
		if code, _, stderr := skolstat(t, bg, "verify-log", "--data", data); code != 1 || !strings.Contains(stderr, "broken") {
			t.Errorf("verify-log after %s: exit %d %q", name, code, stderr)
		}
	}
	os.WriteFile(logPath, orig, 0o600)

	want := len(testsnap.Cells(0))
	csvOut := filepath.Join(t.TempDir(), "cells.csv")
	if code, _, stderr := skolstat(t, bg, "export", "--data", data, "--format", "csv", "--out", csvOut); code != 0 {
		t.Fatalf("export csv: %s", stderr)
	}
	b, _ := os.ReadFile(csvOut)
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil || len(rows) != want+1 || !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("csv: %d rows (want %d), %v", len(rows), want+1, err)
	}
	xlsxOut := filepath.Join(t.TempDir(), "cells.xlsx")
	if code, _, stderr := skolstat(t, bg, "export", "--snapshot", filepath.Join(data, "published", "run1.duckdb"), "--format", "xlsx", "--out", xlsxOut); code != 0 {
		t.Fatalf("export xlsx: %s", stderr)
	}
	f, err := excelize.OpenFile(xlsxOut)
	if err != nil {
		t.Fatal(err)
	}
	xrows, _ := f.GetRows("cells")
	f.Close()
	if len(xrows) != want+1 {
		t.Errorf("xlsx rows %d, want %d", len(xrows), want+1)
	}
	pqOut := filepath.Join(t.TempDir(), "cells.parquet")
	if code, _, stderr := skolstat(t, bg, "export", "--data", data, "--format", "parquet", "--out", pqOut); code != 0 {
		t.Fatalf("export parquet: %s", stderr)
	}
	db, err := duck.Open(bg, "", duck.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n, cols int
	if err := db.QueryRow(fmt.Sprintf(`SELECT count(*) FROM read_parquet('%s')`, pqOut)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(fmt.Sprintf(`SELECT count(*) FROM (DESCRIBE SELECT * FROM read_parquet('%s'))`, pqOut)).Scan(&cols); err != nil {
		t.Fatal(err)
	}
	if n != want || cols != 12 {
		t.Errorf("parquet: %d rows %d columns, want %d and 12", n, cols, want)
	}
	if code, _, _ := skolstat(t, bg, "export", "--format", "csv"); code != 2 {
		t.Errorf("export without source: exit %d, want 2", code)
	}
}

func TestServe_startsWithoutSnapshot(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	data := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := parseServe([]string{"--data", data, "--dev-auth", "--reload-interval", "100ms"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, ln, io.Discard) }()
	ready := func() int {
		var resp *http.Response
		for i := 0; i < 50; i++ {
			if resp, err = http.Get("http://" + ln.Addr().String() + "/readyz"); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := ready(); got != http.StatusServiceUnavailable {
		t.Fatalf("readyz without snapshot %d, want 503", got)
	}
	if _, err := testsnap.Publish(ctx, data, "run1", 0); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for ready() != 200 {
		if time.Now().After(deadline) {
			t.Fatal("serve never picked up the published snapshot")
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
