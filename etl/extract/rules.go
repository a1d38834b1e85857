package extract

import (
	"strconv"
	"time"
	_ "time/tzdata" // Europe/Stockholm even where the system has no zoneinfo
)

// Validation rules. A row breaking one is quarantined under the rule's name: counted, and
// recorded with its table and primary key (a pupil key re-keyed), never its content.
const (
	RuleMissingValue         = "missing_value"            // a required value is null
	RuleUnknownSchoolUnit    = "unknown_school_unit"      // refers to no (valid) school unit
	RuleUnknownOrganiser     = "unknown_organiser"        // refers to no (valid) organiser
	RuleUnknownPupil         = "unknown_pupil"            // refers to no (valid) pupil
	RuleUnknownSubject       = "unknown_subject"          // refers to no (valid) subject
	RuleInvalidGrade         = "invalid_grade"            // grade outside A–F and -, test grade outside A–F
	RuleMalformedTerm        = "malformed_term"           // term not HT/VT and a year
	RuleMalformedSchoolYear  = "malformed_school_year"    // school year not like 2024/25
	RuleGradeLevelOutOfRange = "grade_level_out_of_range" // outside 0–9 (national tests: 3, 6, 9)
	RuleInvalidAbsence       = "invalid_absence"          // negative minutes, or absence above scheduled time
	RuleDuplicateFinalGrade  = "duplicate_final_grade"    // two final grades for one pupil and subject
	RuleOverlappingPlacement = "overlapping_placement"    // two placements of one pupil overlap in time
	RuleFutureDate           = "future_date"              // a date or time after the extraction
	RuleUnknownRole          = "unknown_role"             // usage role not staff, guardian, pupil
	RuleUnknownDevice        = "unknown_device"           // device not computer, mobile, tablet
	RuleInvalidCode          = "invalid_code"             // malformed school unit or municipality code
	RuleInvalidValue         = "invalid_value"            // other value outside its domain (gender, type, level, dates)
	RuleMalformedTombstone   = "malformed_tombstone"      // a deletion whose row key cannot be read
)

// Rules lists every rule name.
var Rules = []string{
	RuleMissingValue, RuleUnknownSchoolUnit, RuleUnknownOrganiser, RuleUnknownPupil,
	RuleUnknownSubject, RuleInvalidGrade, RuleMalformedTerm, RuleMalformedSchoolYear,
	RuleGradeLevelOutOfRange, RuleInvalidAbsence, RuleDuplicateFinalGrade,
	RuleOverlappingPlacement, RuleFutureDate, RuleUnknownRole, RuleUnknownDevice,
	RuleInvalidCode, RuleInvalidValue, RuleMalformedTombstone,
}

// stockholm is where school days are counted; a date is in the future when it is after the
// extraction's day there.
var stockholm = mustZone("Europe/Stockholm")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return loc
}

// clock holds the extraction instant in PostgreSQL's binary units.
type clock struct {
	today     int32 // the extraction's date in Stockholm, days since 2000-01-01
	nowMicros int64 // the extraction instant plus a small clock skew, µs since 2000-01-01
}

func newClock(at time.Time) clock {
	y, m, d := at.In(stockholm).Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return clock{
		today:     int32(day.Unix()/86400) - pgEpochDays,
		nowMicros: at.Add(5*time.Minute).UnixMicro() - pgEpochMicros,
	}
}

func (c clock) futureDate(f []byte) bool      { return f != nil && i32(f) > c.today }
func (c clock) futureTimestamp(f []byte) bool { return f != nil && i64(f) > c.nowMicros }

// validTerm accepts HT2024 and VT2025.
func validTerm(f []byte) bool {
	return len(f) == 6 && (f[0] == 'H' || f[0] == 'V') && f[1] == 'T' && digits(f[2:]) && f[2] != '0'
}

// validSchoolYear accepts 2024/25: four digits, a slash, the next year's last two digits.
func validSchoolYear(f []byte) bool {
	if len(f) != 7 || f[4] != '/' || !digits(f[:4]) || !digits(f[5:]) || f[0] == '0' {
		return false
	}
	y1, _ := strconv.Atoi(string(f[:4]))
	y2, _ := strconv.Atoi(string(f[5:]))
	return (y1+1)%100 == y2
}

func validGrade(f []byte, dash bool) bool {
	if len(f) != 1 {
		return false
	}
	c := f[0]
	return (c >= 'A' && c <= 'F') || (dash && c == '-')
}

func oneOf(f []byte, set ...string) bool {
	for _, s := range set {
		if string(f) == s {
			return true
		}
	}
	return false
}

func codeOf(f []byte, n int) bool { return len(f) == n && digits(f) }
