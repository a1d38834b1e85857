package nightly

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/skolstat/skolstat/etl/publish"
	"github.com/skolstat/skolstat/etl/runlog"
)

// Zone is the time zone schedules are read in.
const Zone = "Europe/Stockholm"

// Scheduler runs the nightly ETL on a cron schedule and retries a failed run with backoff.
// A serving process wires OnPublished to switch to the new snapshot.
type Scheduler struct {
	// Schedule says when runs start.
	Schedule *Schedule
	// Config configures each run.
	Config Config
	// OnPublished, when set, is called after a run made a new snapshot current, with the
	// snapshot's path and the run record.
	OnPublished func(path string, rec runlog.Run)
	// Retries is how many times a failed run is tried again; 0 means 3, negative none.
	Retries int
	// Backoff is the wait before the first retry, doubled for each further one; 0 means 5
	// minutes. Retries stop before the next scheduled run would start.
	Backoff time.Duration

	run   func(context.Context, Config) (runlog.Run, error) // Run; replaced in tests
	now   func() time.Time
	after func(time.Duration) <-chan time.Time
}

// NewScheduler parses spec (cron syntax, in Europe/Stockholm) and returns a Scheduler for
// cfg.
func NewScheduler(spec string, cfg Config) (*Scheduler, error) {
	loc, err := time.LoadLocation(Zone)
	if err != nil {
		return nil, fmt.Errorf("schedule: %w", err)
	}
	sched, err := ParseSchedule(spec, loc)
	if err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("schedule: %w", err)
	}
	return &Scheduler{Schedule: sched, Config: cfg}, nil
}

func (s *Scheduler) init() {
	if s.run == nil {
		s.run = Run
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.after == nil {
		s.after = time.After
	}
}

// Run waits for each scheduled time and runs the ETL then, until ctx is done; it returns
// nil when ctx is cancelled.
func (s *Scheduler) Run(ctx context.Context) error {
	s.init()
	if s.Schedule == nil {
		return errors.New("schedule: none set")
	}
	log := s.Config.logger()
	for {
		next := s.Schedule.Next(s.now())
		if next.IsZero() {
			return fmt.Errorf("schedule %s never fires", s.Schedule)
		}
		log.Info("next etl run", "at", next)
		select {
		case <-ctx.Done():
			return nil
		case <-s.after(next.Sub(s.now())):
		}
		s.RunNow(ctx, s.Schedule.Next(next))
		if ctx.Err() != nil {
			return nil
		}
	}
}

// RunNow runs the ETL once, retrying a failure with backoff (a release blocked by the audit
// is not retried: the same data would be blocked again) but not at or after before (zero:
// no limit). It returns the last attempt's record and error.
func (s *Scheduler) RunNow(ctx context.Context, before time.Time) (runlog.Run, error) {
	s.init()
	log := s.Config.logger()
	retries := s.Retries
	if retries == 0 {
		retries = 3
	}
	wait := s.Backoff
	if wait <= 0 {
		wait = 5 * time.Minute
	}
	for attempt := 0; ; attempt++ {
		rec, err := s.run(ctx, s.Config)
		if err == nil {
			if s.OnPublished != nil {
				s.OnPublished(filepath.Join(publish.Dir(s.Config.DataDir), rec.Snapshot), rec)
			}
			return rec, nil
		}
		log.Warn("etl run failed", "run", rec.ID, "attempt", attempt+1, "err", err)
		if errors.Is(err, ErrReleaseBlocked) || attempt >= retries || ctx.Err() != nil {
			return rec, err
		}
		if !before.IsZero() && !s.now().Add(wait).Before(before) {
			return rec, err
		}
		select {
		case <-ctx.Done():
			return rec, err
		case <-s.after(wait):
		}
		wait *= 2
	}
}
