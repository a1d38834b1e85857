package nightly

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/skolstat/skolstat/etl/runlog"
)

func TestSchedule_Next(t *testing.T) {
	sto, err := time.LoadLocation(Zone)
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, sto)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		spec, from, want string
	}{
		{"0 2 * * *", "2025-06-01 01:59", "2025-06-01 02:00"},
		{"0 2 * * *", "2025-06-01 02:00", "2025-06-02 02:00"},
		{"*/15 * * * *", "2025-06-01 10:07", "2025-06-01 10:15"},
		{"30 3 * * 1-5", "2025-06-06 04:00", "2025-06-09 03:30"}, // Friday → Monday
		{"0 0 1 * *", "2025-01-31 12:00", "2025-02-01 00:00"},
		{"0 0 29 2 *", "2025-03-01 00:00", "2028-02-29 00:00"},
		{"0 12 * JAN,JUL SUN", "2025-01-01 00:00", "2025-01-05 12:00"},
		{"0 12 13 * FRI", "2025-06-01 00:00", "2025-06-06 12:00"}, // either day field matches
		{"0 0 * * 7", "2025-06-02 00:00", "2025-06-08 00:00"},     // 7 is Sunday
		{"@daily", "2025-06-01 00:00", "2025-06-02 00:00"},
		// 02:30 does not exist on 2025-03-30 in Stockholm (clocks jump 02:00 → 03:00).
		{"30 2 * * *", "2025-03-29 03:00", "2025-03-31 02:30"},
	}
	for _, tt := range tests {
		t.Run(tt.spec+" from "+tt.from, func(t *testing.T) {
			s, err := ParseSchedule(tt.spec, sto)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := s.Next(at(tt.from)), at(tt.want); !got.Equal(want) {
				t.Errorf("Next = %v, want %v", got, want)
			}
		})
	}
}

func TestParseSchedule_errors(t *testing.T) {
	for _, spec := range []string{"", "0 2 * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *",
		"*/0 * * * *", "5-1 * * * *", "x * * * *", "0 2 * * * *"} {
		if _, err := ParseSchedule(spec, time.UTC); err == nil {
			t.Errorf("ParseSchedule(%q): want error", spec)
		}
	}
}

func TestScheduler_RunNow(t *testing.T) {
	errBoom := errors.New("source down")
	tests := []struct {
		name      string
		results   []error
		wantCalls int
		wantErr   error
		published int
	}{
		{"succeeds at once", []error{nil}, 1, nil, 1},
		{"retried until success", []error{errBoom, errBoom, nil}, 3, nil, 1},
		{"gives up after retries", []error{errBoom, errBoom, errBoom, errBoom, errBoom}, 4, errBoom, 0},
		{"blocked is not retried", []error{ErrReleaseBlocked, nil}, 1, ErrReleaseBlocked, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls, published := 0, 0
			var waits []time.Duration
			s := &Scheduler{Config: Config{DataDir: t.TempDir()}, Backoff: time.Second, Retries: 3,
				OnPublished: func(path string, rec runlog.Run) { published++ }}
			s.run = func(ctx context.Context, cfg Config) (runlog.Run, error) {
				err := tt.results[calls]
				calls++
				return runlog.Run{ID: "r", Snapshot: "r.duckdb"}, err
			}
			s.after = func(d time.Duration) <-chan time.Time {
				waits = append(waits, d)
				c := make(chan time.Time, 1)
				c <- time.Now()
				return c
			}
			_, err := s.RunNow(context.Background(), time.Time{})
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if calls != tt.wantCalls || published != tt.published {
				t.Errorf("calls = %d, published = %d; want %d, %d", calls, published, tt.wantCalls, tt.published)
			}
			for i := 1; i < len(waits); i++ {
				if waits[i] != 2*waits[i-1] {
					t.Errorf("backoff %v does not double", waits)
				}
			}
		})
	}
}

func TestScheduler_Run(t *testing.T) {
	s, err := NewScheduler("0 2 * * *", Config{DataDir: t.TempDir(), Builder: BuilderFunc(nil)})
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	var slept []time.Duration
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runs := 0
	s.now = func() time.Time { return clock }
	s.after = func(d time.Duration) <-chan time.Time {
		slept = append(slept, d)
		clock = clock.Add(d)
		c := make(chan time.Time, 1)
		c <- clock
		return c
	}
	s.run = func(ctx context.Context, cfg Config) (runlog.Run, error) {
		runs++
		if runs == 2 {
			cancel()
		}
		return runlog.Run{}, nil
	}
	if err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
	// 12:00 UTC = 14:00 in Stockholm; the next 02:00 there is 00:00 UTC, 12 h later; then 24 h.
	if runs != 2 || len(slept) != 2 || slept[0] != 12*time.Hour || slept[1] != 24*time.Hour {
		t.Errorf("runs = %d, waits = %v; want 2 runs after 12h and 24h", runs, slept)
	}
}
