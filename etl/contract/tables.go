package contract

import "strings"

// Schema is the PostgreSQL schema that holds the source contract.
const Schema = "export"

// Column is one column of a contract table.
type Column struct {
	// Name is the column name.
	Name string
	// Type is the PostgreSQL type as format_type prints it: text, integer, bigint, boolean,
	// date or timestamp with time zone.
	Type string
}

// Table describes one table of the source contract.
type Table struct {
	// Name is the table name without the schema.
	Name string
	// Columns are the table's columns in their declared order.
	Columns []Column
	// PrimaryKey names the primary-key columns; empty for a table without one (deletions).
	PrimaryKey []string
}

// QualifiedName is the schema-qualified name, e.g. export.grades.
func (t Table) QualifiedName() string { return Schema + "." + t.Name }

// ColumnNames returns the column names in declared order.
func (t Table) ColumnNames() []string {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	return names
}

// SelectAll is a SELECT of every column in declared order, for extraction.
func (t Table) SelectAll() string {
	return "SELECT " + strings.Join(t.ColumnNames(), ", ") + " FROM " + t.QualifiedName()
}

// Column types as format_type prints them.
const (
	typeText        = "text"
	typeInt         = "integer"
	typeBigint      = "bigint"
	typeBool        = "boolean"
	typeDate        = "date"
	typeTimestamptz = "timestamp with time zone"
)

// Table names of the contract.
const (
	Organisers    = "organisers"
	SchoolUnits   = "school_units"
	Subjects      = "subjects"
	Pupils        = "pupils"
	Placements    = "placements"
	Grades        = "grades"
	NationalTests = "national_tests"
	Assessments   = "assessments"
	Attendance    = "attendance"
	UsageEvents   = "usage_events"
	Deletions     = "deletions"
)

// Tables returns the contract's tables (DESIGN §2) in dependency order, matching export.sql.
// The slice is a fresh copy; callers may keep or change it.
func Tables() []Table {
	c := func(name, typ string) Column { return Column{Name: name, Type: typ} }
	return []Table{
		{Name: Organisers, PrimaryKey: []string{"organiser_id"}, Columns: []Column{
			c("organiser_id", typeText), c("name", typeText), c("organiser_type", typeText),
			c("municipality_code", typeText), c("updated_at", typeTimestamptz)}},
		{Name: SchoolUnits, PrimaryKey: []string{"school_unit_code"}, Columns: []Column{
			c("school_unit_code", typeText), c("name", typeText), c("organiser_id", typeText),
			c("municipality_code", typeText), c("updated_at", typeTimestamptz)}},
		{Name: Subjects, PrimaryKey: []string{"subject_code"}, Columns: []Column{
			c("subject_code", typeText), c("name_sv", typeText), c("name_en", typeText)}},
		{Name: Pupils, PrimaryKey: []string{"pupil_key"}, Columns: []Column{
			c("pupil_key", typeText), c("gender", typeText), c("birth_year", typeInt),
			c("protected_identity", typeBool), c("updated_at", typeTimestamptz)}},
		{Name: Placements, PrimaryKey: []string{"placement_id"}, Columns: []Column{
			c("placement_id", typeBigint), c("pupil_key", typeText), c("school_unit_code", typeText),
			c("school_year", typeText), c("grade_level", typeInt), c("group_name", typeText),
			c("start_date", typeDate), c("end_date", typeDate), c("updated_at", typeTimestamptz)}},
		{Name: Grades, PrimaryKey: []string{"grade_id"}, Columns: []Column{
			c("grade_id", typeBigint), c("pupil_key", typeText), c("school_unit_code", typeText),
			c("subject_code", typeText), c("term", typeText), c("grade_level", typeInt),
			c("grade", typeText), c("is_final", typeBool), c("registered_on", typeDate),
			c("updated_at", typeTimestamptz)}},
		{Name: NationalTests, PrimaryKey: []string{"result_id"}, Columns: []Column{
			c("result_id", typeBigint), c("pupil_key", typeText), c("school_unit_code", typeText),
			c("subject_code", typeText), c("school_year", typeText), c("grade_level", typeInt),
			c("test_grade", typeText), c("taken_on", typeDate), c("updated_at", typeTimestamptz)}},
		{Name: Assessments, PrimaryKey: []string{"assessment_id"}, Columns: []Column{
			c("assessment_id", typeBigint), c("pupil_key", typeText), c("school_unit_code", typeText),
			c("subject_code", typeText), c("term", typeText), c("level", typeText),
			c("assessed_at", typeTimestamptz), c("updated_at", typeTimestamptz)}},
		{Name: Attendance, PrimaryKey: []string{"pupil_key", "school_unit_code", "day"}, Columns: []Column{
			c("pupil_key", typeText), c("school_unit_code", typeText), c("day", typeDate),
			c("scheduled_minutes", typeInt), c("absent_valid_minutes", typeInt),
			c("absent_invalid_minutes", typeInt), c("updated_at", typeTimestamptz)}},
		{Name: UsageEvents, PrimaryKey: []string{"event_id"}, Columns: []Column{
			c("event_id", typeBigint), c("user_key", typeText), c("role", typeText),
			c("school_unit_code", typeText), c("event_type", typeText), c("device", typeText),
			c("occurred_at", typeTimestamptz)}},
		{Name: Deletions, Columns: []Column{
			c("table_name", typeText), c("row_key", typeText), c("deleted_at", typeTimestamptz)}},
	}
}

// Lookup returns the contract table called name.
func Lookup(name string) (Table, bool) {
	for _, t := range Tables() {
		if t.Name == name {
			return t, true
		}
	}
	return Table{}, false
}
