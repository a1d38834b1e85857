package extract

import (
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// kind is a column's type, the same in the source's binary format and in the warehouse.
type kind int

const (
	kText kind = iota
	kInt32
	kInt64
	kBool
	kDate
	kTimestamp
	kPupil // text re-keyed through the pupil map, a UUID in the warehouse
	kUser  // text re-keyed through the user cache, a UUID in the warehouse
)

func (k kind) arrow() arrow.DataType {
	switch k {
	case kInt32:
		return arrow.PrimitiveTypes.Int32
	case kInt64:
		return arrow.PrimitiveTypes.Int64
	case kBool:
		return arrow.FixedWidthTypes.Boolean
	case kDate:
		return arrow.FixedWidthTypes.Date32
	case kTimestamp:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	case kPupil, kUser:
		return uuidType
	default:
		return arrow.BinaryTypes.String
	}
}

// column maps one warehouse column to the source field it comes from.
type column struct {
	name string // warehouse column
	src  int    // index of the source field in the table's select list
	kind kind
}

// table describes how one contract table is extracted.
type table struct {
	name   string
	source []string // the columns selected from export.<name>, in order
	cols   []column // the warehouse columns (minimised, re-keyed)
	// check returns the rule a row breaks, or "".
	check func(x *run, f [][]byte) string
	// key renders the row's primary key for the quarantine, re-keying any pupil key.
	key func(x *run, f [][]byte) string
	// incremental tables merge changed rows by their key columns; watermark is the source
	// field of the (updated_at) watermark and keyCols the warehouse key columns.
	incremental bool
	watermark   int
	keyCols     []string
}

// schema returns the Arrow schema of t's record batches: the warehouse columns and the ok flag.
func (t *table) schema() *arrow.Schema {
	fields := make([]arrow.Field, 0, len(t.cols)+1)
	for _, c := range t.cols {
		fields = append(fields, arrow.Field{Name: c.name, Type: c.kind.arrow(), Nullable: true})
	}
	fields = append(fields, arrow.Field{Name: "ok", Type: arrow.FixedWidthTypes.Boolean})
	return arrow.NewSchema(fields, nil)
}

func (t *table) colNames() string {
	names := make([]string, len(t.cols))
	for i, c := range t.cols {
		names[i] = c.name
	}
	return strings.Join(names, ", ")
}

// same maps source fields 0..n-1 to warehouse columns of the same names, with the given kinds.
func same(source []string, kinds ...kind) []column {
	cols := make([]column, len(kinds))
	for i, k := range kinds {
		name := source[i]
		switch k {
		case kPupil:
			name = "pupil_id"
		case kUser:
			name = "user_id"
		}
		cols[i] = column{name: name, src: i, kind: k}
	}
	return cols
}

func textKey(i int) func(*run, [][]byte) string {
	return func(_ *run, f [][]byte) string { return string(f[i]) }
}

func int64Key(i int) func(*run, [][]byte) string {
	return func(_ *run, f [][]byte) string { return strconv.FormatInt(i64(f[i]), 10) }
}

func anyNull(f [][]byte, idx ...int) bool {
	for _, i := range idx {
		if f[i] == nil {
			return true
		}
	}
	return false
}

// tables returns the extraction plan in dependency order: a table's references are loaded
// before it, so that they can be checked.
func tables() []*table {
	orgSrc := []string{"organiser_id", "name", "organiser_type", "municipality_code"}
	unitSrc := []string{"school_unit_code", "name", "organiser_id", "municipality_code"}
	subjSrc := []string{"subject_code", "name_sv", "name_en"}
	pupilSrc := []string{"pupil_key", "gender", "birth_year", "protected_identity"}
	placeSrc := []string{"placement_id", "pupil_key", "school_unit_code", "school_year", "grade_level", "start_date", "end_date"}
	gradeSrc := []string{"grade_id", "pupil_key", "school_unit_code", "subject_code", "term", "grade_level", "grade", "is_final", "registered_on"}
	testSrc := []string{"result_id", "pupil_key", "school_unit_code", "subject_code", "school_year", "grade_level", "test_grade", "taken_on"}
	assessSrc := []string{"assessment_id", "pupil_key", "school_unit_code", "subject_code", "term", "level", "assessed_at"}
	attSrc := []string{"pupil_key", "school_unit_code", "day", "scheduled_minutes", "absent_valid_minutes", "absent_invalid_minutes", "updated_at"}
	useSrc := []string{"event_id", "user_key", "role", "school_unit_code", "event_type", "device", "occurred_at"}
	return []*table{
		{name: "organisers", source: orgSrc, cols: same(orgSrc, kText, kText, kText, kText), key: textKey(0),
			check: func(x *run, f [][]byte) string {
				switch {
				case anyNull(f, 1, 2):
					return RuleMissingValue
				case !oneOf(f[2], "municipal", "independent", "state", "region"):
					return RuleInvalidValue
				case string(f[2]) == "municipal" && f[3] == nil:
					return RuleMissingValue
				case f[3] != nil && !codeOf(f[3], 4):
					return RuleInvalidCode
				}
				return ""
			}},
		{name: "school_units", source: unitSrc, cols: same(unitSrc, kText, kText, kText, kText), key: textKey(0),
			check: func(x *run, f [][]byte) string {
				switch {
				case anyNull(f, 1, 2, 3):
					return RuleMissingValue
				case !codeOf(f[0], 8) || !codeOf(f[3], 4):
					return RuleInvalidCode
				case !x.organisers.has(f[2]):
					return RuleUnknownOrganiser
				}
				return ""
			}},
		{name: "subjects", source: subjSrc, cols: same(subjSrc, kText, kText, kText), key: textKey(0),
			check: func(x *run, f [][]byte) string {
				if anyNull(f, 1, 2) {
					return RuleMissingValue
				}
				return ""
			}},
		{name: "pupils", source: pupilSrc, cols: same(pupilSrc, kPupil, kText, kInt32, kBool),
			key: func(x *run, f [][]byte) string { return x.rekeyPupil(f[0]).String() },
			check: func(x *run, f [][]byte) string {
				switch {
				case f[3] == nil:
					return RuleMissingValue
				case f[1] != nil && !oneOf(f[1], "F", "M"):
					return RuleInvalidValue
				case f[2] != nil && (i32(f[2]) < 1900 || i32(f[2]) > int32(x.extractedAt.Year())):
					return RuleInvalidValue
				}
				return ""
			}},
		{name: "placements", source: placeSrc, cols: same(placeSrc, kInt64, kPupil, kText, kText, kInt32, kDate, kDate), key: int64Key(0),
			check: func(x *run, f [][]byte) string {
				switch {
				case anyNull(f, 1, 2, 3, 4, 5):
					return RuleMissingValue
				case !x.knownPupil(f[1]):
					return RuleUnknownPupil
				case !x.units.has(f[2]):
					return RuleUnknownSchoolUnit
				case !validSchoolYear(f[3]):
					return RuleMalformedSchoolYear
				case i32(f[4]) < 0 || i32(f[4]) > 9:
					return RuleGradeLevelOutOfRange
				case f[6] != nil && i32(f[6]) < i32(f[5]):
					return RuleInvalidValue
				}
				return ""
			}},
		{name: "grades", source: gradeSrc, cols: same(gradeSrc, kInt64, kPupil, kText, kText, kText, kInt32, kText, kBool, kDate), key: int64Key(0),
			check: func(x *run, f [][]byte) string {
				switch {
				case anyNull(f, 1, 2, 3, 4, 5, 6, 7):
					return RuleMissingValue
				case !x.knownPupil(f[1]):
					return RuleUnknownPupil
				case !x.units.has(f[2]):
					return RuleUnknownSchoolUnit
				case !x.subjects.has(f[3]):
					return RuleUnknownSubject
				case !validTerm(f[4]):
					return RuleMalformedTerm
				case i32(f[5]) < 0 || i32(f[5]) > 9:
					return RuleGradeLevelOutOfRange
				case !validGrade(f[6], true):
					return RuleInvalidGrade
				case x.clock.futureDate(f[8]):
					return RuleFutureDate
				}
				return ""
			}},
		{name: "national_tests", source: testSrc, cols: same(testSrc, kInt64, kPupil, kText, kText, kText, kInt32, kText, kDate), key: int64Key(0),
			check: func(x *run, f [][]byte) string {
				switch {
				case anyNull(f, 1, 2, 3, 4, 5, 6):
					return RuleMissingValue
				case !x.knownPupil(f[1]):
					return RuleUnknownPupil
				case !x.units.has(f[2]):
					return RuleUnknownSchoolUnit
				case !x.subjects.has(f[3]):
					return RuleUnknownSubject
				case !validSchoolYear(f[4]):
					return RuleMalformedSchoolYear
				case i32(f[5]) != 3 && i32(f[5]) != 6 && i32(f[5]) != 9:
					return RuleGradeLevelOutOfRange
				case !validGrade(f[6], false):
					return RuleInvalidGrade
				case x.clock.futureDate(f[7]):
					return RuleFutureDate
				}
				return ""
			}},
		{name: "assessments", source: assessSrc, cols: same(assessSrc, kInt64, kPupil, kText, kText, kText, kText, kTimestamp), key: int64Key(0),
			check: func(x *run, f [][]byte) string {
				switch {
				case anyNull(f, 1, 2, 3, 4, 5, 6):
					return RuleMissingValue
				case !x.knownPupil(f[1]):
					return RuleUnknownPupil
				case !x.units.has(f[2]):
					return RuleUnknownSchoolUnit
				case !x.subjects.has(f[3]):
					return RuleUnknownSubject
				case !validTerm(f[4]):
					return RuleMalformedTerm
				case !oneOf(f[5], "not_reached", "E", "C", "A"):
					return RuleInvalidValue
				case x.clock.futureTimestamp(f[6]):
					return RuleFutureDate
				}
				return ""
			}},
		{name: "attendance", source: attSrc, cols: same(attSrc[:6], kPupil, kText, kDate, kInt32, kInt32, kInt32),
			incremental: true, watermark: 6, keyCols: []string{"pupil_id", "school_unit_code", "day"},
			key: func(x *run, f [][]byte) string {
				return attendanceKey(x.rekeyPupil(f[0]).String(), string(f[1]), i32(f[2]))
			},
			check: func(x *run, f [][]byte) string {
				switch {
				case anyNull(f, 3, 4, 5, 6):
					return RuleMissingValue
				case !x.knownPupil(f[0]):
					return RuleUnknownPupil
				case !x.units.has(f[1]):
					return RuleUnknownSchoolUnit
				case x.clock.futureDate(f[2]):
					return RuleFutureDate
				}
				s, v, i := i32(f[3]), i32(f[4]), i32(f[5])
				if s < 0 || v < 0 || i < 0 || int64(v)+int64(i) > int64(s) {
					return RuleInvalidAbsence
				}
				return ""
			}},
		{name: "usage_events", source: useSrc, cols: same(useSrc, kInt64, kUser, kText, kText, kText, kText, kTimestamp),
			incremental: true, watermark: 6, keyCols: []string{"event_id"}, key: int64Key(0),
			check: func(x *run, f [][]byte) string {
				switch {
				case anyNull(f, 1, 2, 4, 5, 6):
					return RuleMissingValue
				case !oneOf(f[2], "staff", "guardian", "pupil"):
					return RuleUnknownRole
				case !oneOf(f[5], "computer", "mobile", "tablet"):
					return RuleUnknownDevice
				case f[3] != nil && !x.units.has(f[3]):
					return RuleUnknownSchoolUnit
				case x.clock.futureTimestamp(f[6]):
					return RuleFutureDate
				}
				return ""
			}},
	}
}

// attendanceKey renders an attendance primary key: pupil|school unit|day (ISO date).
func attendanceKey(pupil, unit string, day int32) string {
	d := dateString(day)
	return pupil + "|" + unit + "|" + d
}

// dateString renders days since 2000-01-01 as YYYY-MM-DD.
func dateString(day int32) string {
	return epoch2000.AddDate(0, 0, int(day)).Format("2006-01-02")
}
