package reports

import (
	"fmt"
	"strconv"
	"time"
)

// periodKind is the kind of a period string.
type periodKind uint8

const (
	kindTerm periodKind = iota
	kindSchoolYear
	kindMonth
	kindWeek
)

// parsePeriod returns a period's kind, the school year it lies in ("" for ISO weeks, which
// need none) and the instant it ends (exclusive), in Swedish local time.
func parsePeriod(p string) (kind periodKind, schoolYear string, end time.Time, err error) {
	loc := stockholm()
	bad := fmt.Errorf("period %q: unknown form", p)
	switch {
	case len(p) == 6 && (p[:2] == "HT" || p[:2] == "VT"):
		y, err := strconv.Atoi(p[2:])
		if err != nil {
			return 0, "", time.Time{}, bad
		}
		if p[:2] == "HT" {
			return kindTerm, syString(y), time.Date(y+1, 1, 1, 0, 0, 0, 0, loc), nil
		}
		return kindTerm, syString(y - 1), time.Date(y, 7, 1, 0, 0, 0, 0, loc), nil
	case len(p) == 7 && p[4] == '/':
		y, err := strconv.Atoi(p[:4])
		if err != nil || syString(y) != p {
			return 0, "", time.Time{}, bad
		}
		return kindSchoolYear, p, time.Date(y+1, 7, 1, 0, 0, 0, 0, loc), nil
	case len(p) == 7 && p[4] == '-':
		t, err := time.ParseInLocation("2006-01", p, loc)
		if err != nil {
			return 0, "", time.Time{}, bad
		}
		y := t.Year()
		if t.Month() < 7 {
			y--
		}
		return kindMonth, syString(y), t.AddDate(0, 1, 0), nil
	case len(p) == 8 && p[4:6] == "-W":
		y, err1 := strconv.Atoi(p[:4])
		w, err2 := strconv.Atoi(p[6:])
		if err1 != nil || err2 != nil || w < 1 || w > 53 {
			return 0, "", time.Time{}, bad
		}
		// The Monday of ISO week 1 is the Monday of the week holding 4 January.
		jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, loc)
		monday := jan4.AddDate(0, 0, -((int(jan4.Weekday())+6)%7)+7*(w-1))
		return kindWeek, "", monday.AddDate(0, 0, 7), nil
	}
	return 0, "", time.Time{}, bad
}

// syString formats the school year starting in autumn y ("2024/25").
func syString(y int) string { return fmt.Sprintf("%d/%02d", y, (y+1)%100) }

// stockholm is Swedish local time, or UTC+1 where the zone database is missing.
func stockholm() *time.Location {
	if loc, err := time.LoadLocation("Europe/Stockholm"); err == nil {
		return loc
	}
	return time.FixedZone("CET", 3600)
}
