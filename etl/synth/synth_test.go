package synth_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/skolstat/skolstat/etl/synth"
)

func TestNew_profiles(t *testing.T) {
	tests := []struct {
		opts            synth.Options
		minPupils, maxP int
		minUnits, maxU  int
		years           []string
	}{
		{synth.Options{Profile: "small", Seed: 1}, 1800, 3000, 4, 10, []string{"2024/25", "2025/26"}},
		{synth.Options{Profile: "municipality", Seed: 1}, 25000, 36000, 30, 55, []string{"2023/24", "2024/25", "2025/26"}},
		{synth.Options{Profile: "national", Seed: 1, Scale: 0.01}, 10000, 17000, 70, 400, []string{"2024/25", "2025/26"}},
		{synth.Options{Profile: "national", Seed: 1}, 1_000_000, 1_600_000, 1000, 8000, []string{"2024/25", "2025/26"}},
	}
	for _, tt := range tests {
		t.Run(tt.opts.Profile, func(t *testing.T) {
			g, err := synth.New(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if p := g.Pupils(); p < tt.minPupils || p > tt.maxP {
				t.Errorf("Pupils() = %d, want %d..%d", p, tt.minPupils, tt.maxP)
			}
			if u := g.SchoolUnits(); u < tt.minUnits || u > tt.maxU {
				t.Errorf("SchoolUnits() = %d, want %d..%d", u, tt.minUnits, tt.maxU)
			}
			if got := g.SchoolYears(); len(got) != len(tt.years) || got[0] != tt.years[0] || got[len(got)-1] != tt.years[len(tt.years)-1] {
				t.Errorf("SchoolYears() = %v, want %v", got, tt.years)
			}
		})
	}
}

func TestOptions_Validate(t *testing.T) {
	tests := []struct {
		name    string
		opts    synth.Options
		wantErr bool
	}{
		{"small", synth.Options{Profile: "small"}, false},
		{"national scaled", synth.Options{Profile: "national", Scale: 0.05}, false},
		{"unknown profile", synth.Options{Profile: "county"}, true},
		{"negative scale", synth.Options{Profile: "small", Scale: -1}, true},
		{"huge scale", synth.Options{Profile: "small", Scale: 100}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.opts.Validate()
			if (err != nil) != tt.wantErr {
				t.Errorf("Validate() = %v, want error %v", err, tt.wantErr)
			}
			if tt.name == "unknown profile" && !errors.Is(err, synth.ErrUnknownProfile) {
				t.Errorf("Validate() = %v, want ErrUnknownProfile", err)
			}
		})
	}
}

func TestGenerator_Rows_sameSeedSameRows(t *testing.T) {
	digest := func(seed int64) map[string]uint64 {
		g, err := synth.New(synth.Options{Profile: "small", Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]uint64{}
		for _, name := range g.Tables() {
			src, err := g.Rows(name)
			if err != nil {
				t.Fatal(err)
			}
			h := uint64(14695981039346656037)
			for src.Next() {
				vals, _ := src.Values()
				if len(vals) != len(src.Columns()) {
					t.Fatalf("%s: %d values for %d columns", name, len(vals), len(src.Columns()))
				}
				for _, v := range vals {
					for _, c := range []byte(fmtValue(v)) {
						h = (h ^ uint64(c)) * 1099511628211
					}
				}
			}
			out[name] = h
		}
		return out
	}
	a, b, c := digest(11), digest(11), digest(12)
	for name := range a {
		if a[name] != b[name] {
			t.Errorf("%s: two generations with seed 11 differ", name)
		}
	}
	if a["grades"] == c["grades"] || a["attendance"] == c["attendance"] {
		t.Errorf("seeds 11 and 12 give the same grades or attendance")
	}
}

// fmtValue renders a generated value for digests.
func fmtValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "\x00"
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v) + "\x1f"
}
