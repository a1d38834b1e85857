// Package synth generates a deterministic synthetic Swedish compulsory school system (grades
// 0–9) in the shape of the source contract, and writes it to PostgreSQL or the DuckDB warehouse.
package synth

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Profile is a size of synthetic school system.
type Profile struct {
	// Name is small, municipality or national.
	Name string
	// Pupils is the approximate number of pupils enrolled in one school year.
	Pupils int
	// Municipalities are the four-digit codes the pupils live in; empty means the national list.
	Municipalities []string
	// FirstYear and LastYear are the calendar years the first and last school years start in
	// (LastYear 2025 is the school year 2025/26).
	FirstYear, LastYear int
	// RecentYears is how many of the last school years carry the platform's high-volume
	// operational data: attendance and formative assessments.
	RecentYears int
	// UsageWeeks is how many weeks back from the end of the last school year carry platform
	// usage events.
	UsageWeeks int
	// IndependentShare is the share of pupils in independent schools.
	IndependentShare float64
	// Sizes scales the pupils per grade level of school units (1 = mid-sized municipality).
	Sizes float64
}

// Profiles returns the named profiles.
func Profiles() []Profile {
	return []Profile{
		{Name: "small", Pupils: 2000, Municipalities: []string{"0187"}, FirstYear: 2024, LastYear: 2025,
			RecentYears: 2, UsageWeeks: 44, IndependentShare: 0.16, Sizes: 0.7},
		{Name: "municipality", Pupils: 25000, Municipalities: []string{"0380"}, FirstYear: 2023, LastYear: 2025,
			RecentYears: 1, UsageWeeks: 20, IndependentShare: 0.16, Sizes: 1},
		{Name: "national", Pupils: 1100000, FirstYear: 2024, LastYear: 2025,
			RecentYears: 1, UsageWeeks: 10, IndependentShare: 0.16, Sizes: 1},
	}
}

// ErrUnknownProfile is returned for a profile name that Profiles does not list.
var ErrUnknownProfile = errors.New("unknown profile")

// Options choose what to generate.
type Options struct {
	// Profile is small, municipality or national.
	Profile string
	// Seed makes the output: the same seed gives the same rows, byte for byte.
	Seed int64
	// Scale multiplies the number of pupils (0 means 1); the national profile at scale 1 has
	// about 1.1 million pupils.
	Scale float64
}

// Validate checks the options.
func (o Options) Validate() error {
	if _, err := lookupProfile(o.Profile); err != nil {
		return err
	}
	if o.Scale < 0 || math.IsNaN(o.Scale) || math.IsInf(o.Scale, 0) || o.Scale > 10 {
		return fmt.Errorf("scale %v: want a number between 0 and 10", o.Scale)
	}
	return nil
}

func lookupProfile(name string) (Profile, error) {
	var names []string
	for _, p := range Profiles() {
		if p.Name == name {
			return p, nil
		}
		names = append(names, p.Name)
	}
	return Profile{}, fmt.Errorf("%w %q (want %s)", ErrUnknownProfile, name, strings.Join(names, ", "))
}
