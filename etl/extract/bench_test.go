package extract_test

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/skolstat/skolstat/etl/contract"
	"github.com/skolstat/skolstat/etl/duck"
	"github.com/skolstat/skolstat/etl/extract"
	"github.com/skolstat/skolstat/etl/pgtest"
)

var (
	benchRows   = flag.Int("rows", 1_000_000, "attendance rows BenchmarkExtractAttendance seeds")
	benchMemory = flag.String("duckdb-memory", "512MB", "DuckDB memory_limit of the benchmark's warehouse")
	benchThread = flag.Int("duckdb-threads", 2, "DuckDB threads of the benchmark's warehouse")
)

// seedAttendance fills a fresh contract with rows attendance rows (200 school days per pupil)
// and the pupils and school unit they refer to, all valid.
func seedAttendance(b *testing.B, conn *pgx.Conn, rows int) {
	b.Helper()
	ctx := context.Background()
	if err := contract.Apply(ctx, conn, contract.Options{}); err != nil {
		b.Fatal(err)
	}
	const days = 200
	pupils := (rows + days - 1) / days
	stmts := []string{
		`INSERT INTO export.organisers VALUES ('K0180', 'Stockholms kommun', 'municipal', '0180', now())`,
		`INSERT INTO export.school_units VALUES ('11111111', 'Norra skolan', 'K0180', '0180', now())`,
		fmt.Sprintf(`INSERT INTO export.pupils SELECT 'pupil-' || p, CASE WHEN p %% 2 = 0 THEN 'F' ELSE 'M' END, 2012,
		   false, now() FROM generate_series(1, %d) p`, pupils),
		fmt.Sprintf(`INSERT INTO export.attendance
		   SELECT 'pupil-' || (1 + i / %d), '11111111', DATE '2024-08-19' + (i %% %d)::int, 300, (i %% 7) * 5, (i %% 11),
		          now() - make_interval(secs => i %% 86400)
		   FROM generate_series(0, %d) i`, days, days, rows-1),
		`VACUUM (ANALYZE) export.attendance`,
		`SELECT count(*) FROM export.attendance`,
	}
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			b.Fatalf("seed: %v", err)
		}
	}
}

// peakSampler records the Go heap's peak while it runs.
type peakSampler struct {
	stop chan struct{}
	wg   sync.WaitGroup
	peak uint64
}

func startPeakSampler() *peakSampler {
	p := &peakSampler{stop: make(chan struct{})}
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > p.peak {
				p.peak = v
			}
			select {
			case <-p.stop:
				return
			case <-t.C:
			}
		}
	}()
	return p
}

func (p *peakSampler) Stop() uint64 { close(p.stop); p.wg.Wait(); return p.peak }

// vmHWM reads the process's peak resident set size in bytes (Linux), 0 elsewhere.
func vmHWM() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// cpuSelf is this process's user+system CPU time.
func cpuSelf() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuProc is the user+system CPU time of a local process (the PostgreSQL backend), 0 if it
// cannot be read.
func cpuProc(pid uint32) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond // USER_HZ = 100
}

func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// resetHWM resets the peak RSS to the current RSS (Linux: clear_refs 5).
func resetHWM() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// BenchmarkExtractAttendance compares the extraction of an attendance table of -rows rows
// with the raw binary COPY read of the same table over the same kind of connection, and
// reports the extraction's peak memory. Run it through `make bench-etl ROWS=N`.
func BenchmarkExtractAttendance(b *testing.B) {
	ctx := context.Background()
	dsn := pgtest.New(b)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	start := time.Now()
	seedAttendance(b, conn, *benchRows)
	fmt.Fprintf(os.Stderr, "seeded %d attendance rows in %v\n", *benchRows, time.Since(start).Round(time.Second))

	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Raw read: the whole table in the binary COPY format, read and discarded.
		pid := conn.PgConn().PID()
		c0, p0 := cpuSelf(), cpuProc(pid)
		t0 := time.Now()
		tag, err := conn.PgConn().CopyTo(ctx, io.Discard, "COPY export.attendance TO STDOUT (FORMAT binary)")
		if err != nil {
			b.Fatal(err)
		}
		raw := time.Since(t0)
		rawCPU, rawPG := cpuSelf()-c0, cpuProc(pid)-p0
		if tag.RowsAffected() != int64(*benchRows) {
			b.Fatalf("raw read %d rows, want %d", tag.RowsAffected(), *benchRows)
		}

		// The extraction, into a fresh warehouse file.
		wh, err := duck.Open(ctx, filepath.Join(b.TempDir(), fmt.Sprintf("w%d.duckdb", i)),
			duck.Options{Threads: *benchThread, MemoryLimit: *benchMemory})
		if err != nil {
			b.Fatal(err)
		}
		resetHWM()
		rssBefore := vmHWM()
		sampler := startPeakSampler()
		c0, p0 = cpuSelf(), cpuProc(pid)
		t0 = time.Now()
		res, err := extract.Run(ctx, conn, wh, extract.Options{RunID: "bench", Keyer: testKeyer(b), Full: true})
		etl := time.Since(t0)
		etlCPU, etlPG := cpuSelf()-c0, cpuProc(pid)-p0
		heapPeak := sampler.Stop()
		rssPeak := vmHWM()
		wh.Close()
		if err != nil {
			b.Fatal(err)
		}
		if res.Loaded["attendance"] != *benchRows {
			b.Fatalf("loaded %d attendance rows, want %d", res.Loaded["attendance"], *benchRows)
		}

		rawRate := float64(*benchRows) / raw.Seconds()
		etlRate := float64(*benchRows) / etl.Seconds()
		b.ReportMetric(rawRate, "raw_rows/s")
		b.ReportMetric(etlRate, "etl_rows/s")
		b.ReportMetric(etlRate/rawRate, "ratio")
		b.ReportMetric(float64(heapPeak)/(1<<20), "go_heap_peak_MB")
		b.ReportMetric(float64(rssPeak)/(1<<20), "peak_rss_MB")
		fmt.Fprintf(os.Stderr, "rows %d: raw COPY read %.0f rows/s (%v), ETL extract %.0f rows/s (%v), ratio %.2f; "+
			"ETL peak memory: Go heap %.0f MB, process RSS %.0f MB (%.0f MB before)\n",
			*benchRows, rawRate, raw.Round(time.Millisecond), etlRate, etl.Round(time.Millisecond), etlRate/rawRate,
			float64(heapPeak)/(1<<20), float64(rssPeak)/(1<<20), float64(rssBefore)/(1<<20))
		fmt.Fprintf(os.Stderr, "CPU time: raw read client %v + server %v; ETL client %v + server %v; load average %s\n",
			rawCPU.Round(time.Millisecond), rawPG.Round(time.Millisecond), etlCPU.Round(time.Millisecond),
			etlPG.Round(time.Millisecond), loadAvg())
	}
}
