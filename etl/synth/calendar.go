package synth

import (
	"fmt"
	"time"
)

// schoolYear is one school year (läsår) with its two terms and school days.
type schoolYear struct {
	start  int    // calendar year the school year starts in
	label  string // "2025/26"
	ht, vt term
	days   []time.Time // all school days, HT then VT
	htDays int         // days[:htDays] are the autumn term
}

// term is one term (termin) of a school year.
type term struct {
	label      string // "HT2025", "VT2026"
	first, end time.Time
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// newSchoolYear lays out the Swedish school year that starts in August of year y: autumn
// term from the Monday on or after 17 August to 19 December with the autumn break (week 44),
// spring term from 8 January to 12 June with the sports break (week 8), the Easter break and
// the public holidays off. That gives about 180 school days.
func newSchoolYear(y int) schoolYear {
	sy := schoolYear{start: y, label: fmt.Sprintf("%d/%02d", y, (y+1)%100)}
	off := map[time.Time]bool{}
	easter := easterSunday(y + 1)
	for d := -2; d <= 5; d++ { // Good Friday to the Friday after Easter Monday
		off[easter.AddDate(0, 0, d)] = true
	}
	off[easter.AddDate(0, 0, 39)] = true // Ascension Day
	off[easter.AddDate(0, 0, 40)] = true // the day after, as most schools
	off[date(y+1, time.May, 1)] = true
	off[date(y+1, time.June, 6)] = true
	off[date(y+1, time.January, 6)] = true

	htStart := date(y, time.August, 17)
	for htStart.Weekday() != time.Monday {
		htStart = htStart.AddDate(0, 0, 1)
	}
	collect := func(from, to time.Time, breakWeek int) []time.Time {
		var days []time.Time
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
				continue
			}
			if _, w := d.ISOWeek(); w == breakWeek || off[d] {
				continue
			}
			days = append(days, d)
		}
		return days
	}
	ht := collect(htStart, date(y, time.December, 19), 44)
	vt := collect(date(y+1, time.January, 8), date(y+1, time.June, 12), 8)
	sy.ht = term{label: fmt.Sprintf("HT%d", y), first: ht[0], end: ht[len(ht)-1]}
	sy.vt = term{label: fmt.Sprintf("VT%d", y+1), first: vt[0], end: vt[len(vt)-1]}
	sy.days = append(ht, vt...)
	sy.htDays = len(ht)
	return sy
}

// lastDayOfTerm returns the day index of the last day of term t (0 autumn, 1 spring).
func (sy *schoolYear) lastDayOfTerm(t int) int {
	if t == 0 {
		return sy.htDays - 1
	}
	return len(sy.days) - 1
}

// easterSunday computes Easter Sunday of year y (anonymous Gregorian algorithm).
func easterSunday(y int) time.Time {
	a := y % 19
	b, c := y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return date(y, time.Month(month), day)
}

// stockholm converts a local Swedish wall-clock time to UTC (CET/CEST, EU rules), so that
// the output does not depend on the machine's time-zone database.
func stockholm(day time.Time, hour, minute, second int) time.Time {
	y := day.Year()
	offset := 1
	if !day.Before(lastSunday(y, time.March)) && day.Before(lastSunday(y, time.October)) {
		offset = 2
	}
	return time.Date(y, day.Month(), day.Day(), hour-offset, minute, second, 0, time.UTC)
}

func lastSunday(y int, m time.Month) time.Time {
	d := date(y, m+1, 1).AddDate(0, 0, -1)
	for d.Weekday() != time.Sunday {
		d = d.AddDate(0, 0, -1)
	}
	return d
}
