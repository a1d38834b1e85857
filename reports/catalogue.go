// Package reports computes skolstat's statistics catalogue (DESIGN §3) from the DuckDB
// warehouse as cubes of additive cells with their exact relations, ready for protection.
package reports

import (
	"embed"
	"fmt"

	"github.com/skolstat/skolstat/etl/snapshot"
)

//go:embed sql/*.sql
var sqlFiles embed.FS

// Statistic ids (DESIGN §3), used in the published format, the API and the downloads.
const (
	GradeDistribution    = "grade_distribution"
	PassedAllSubjects    = "passed_all_subjects"
	MeritValue           = "merit_value"
	Eligibility          = "eligibility"
	TestVsGrade          = "test_vs_grade"
	Absence              = "absence"
	HighAbsence          = "high_absence"
	AssessmentNotReached = "assessment_not_reached"
	ActiveUsers          = "active_users"
	FeatureUse           = "feature_use"
)

// shape tells how a statistic's cells turn into published rows.
type shape uint8

const (
	// shapeShare: the total row has measure count; each category row count and share
	// (count / group total).
	shapeShare shape = iota
	// shapeMean: one cell per group, rows n and mean (v1 / n).
	shapeMean
	// shapeAbsence: one cell per group, rows n and the shares valid (v2/v1), invalid (v3/v1)
	// and total ((v2+v3)/v1).
	shapeAbsence
	// shapeCount: rows count only (usage).
	shapeCount
)

// partition declares that the counts of Parts add up to the count of Total ("" = the group
// total, the null category).
type partition struct {
	Total string
	Parts []string
}

// spec is one statistic: its published metadata and how it is computed.
type spec struct {
	meta snapshot.Statistic
	// relations describes, for people, the additive relations between the statistic's cells.
	relations []string
	file      string
	shape     shape
	// grades are the grade levels of the frame; gradeAll adds "all grade levels".
	grades   []int
	gradeAll bool
	// subject: the statistic is per subject; testSubjects restricts the frame to subjects with
	// national tests.
	subject, testSubjects bool
	// gender: F, M, U (internal) and all; otherwise all only.
	gender bool
	// nationOnly: no area breakdown.
	nationOnly bool
	// categories of the frame; usage statistics derive theirs from the data.
	categories []string
	// partitions among categories.
	partitions []partition
	// ownGroup: a category's group is its own distinct persons (events, users), not the
	// whole group's.
	ownGroup bool
	// meanInTotal: the total row also carries a mean of v1 (assessment freshness).
	meanInTotal bool
	// pairs: a unit is a pupil at one school unit, so that a pupil who moved has several;
	// the group counts distinct pupils.
	pairs bool
}

var allGrades = []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}

var grades = []string{"A", "B", "C", "D", "E", "F", "-"}

var (
	usageRoles   = []string{"staff", "guardian", "pupil"}
	usageDevices = []string{"computer", "mobile", "tablet"}
)

// Common relation texts.
const (
	relGender = "all genders = F + M + unknown gender (an unpublished, protected cell)"
	relGrade  = "all grade levels = sum of the grade levels"
	relAreas  = "organiser = sum of its school units; municipality = sum of the school units in it; nation = sum of the municipalities"
)

// specs is the catalogue, in published order.
var specs = []spec{
	{
		meta: snapshot.Statistic{
			ID: GradeDistribution, NameSV: "Betygsfördelning", NameEN: "Grade distribution",
			DescriptionSV: "Antal och andel elever med betyget A, B, C, D, E, F respektive streck (-, underlag saknas; inte ett F) per ämne och termin, årskurs 6–9. Elevens senast registrerade betyg i ämnet under terminen räknas, på den skolenhet där det registrerades.",
			DescriptionEN: "Number and share of pupils with grade A, B, C, D, E, F or dash (-, no basis; not an F) per subject and term, years 6–9. A pupil's latest grade in the subject that term counts, at the school unit where it was registered.",
			Unit:          "pupils", Measures: []string{"count", "share"},
			Dimensions: []string{"period:term", "area", "grade_level", "subject", "gender", "category:grade"},
			Population: "pupils (not protected identity) with a grade A–F or - in the subject and term, years 6–9",
		},
		relations:  []string{"group total = sum of the seven grades", relGender, relGrade, relAreas},
		file:       "grade_distribution.sql",
		shape:      shapeShare,
		grades:     []int{6, 7, 8, 9},
		gradeAll:   true,
		subject:    true,
		gender:     true,
		categories: grades,
		partitions: []partition{{Total: "", Parts: grades}},
	},
	{
		meta: snapshot.Statistic{
			ID: PassedAllSubjects, NameSV: "Andel som uppnått kunskapskraven i alla ämnen", NameEN: "Passed all subjects",
			DescriptionSV: "Andel elever med minst E i alla ämnen de fått betyg i, vårterminen i årskurs 6 och (slutbetyg) i årskurs 9. F och streck räknas som ej uppnått.",
			DescriptionEN: "Share of pupils with at least E in every subject graded, in the spring term of year 6 and (leaving grades) of year 9. F and dash both count as not passed.",
			Unit:          "pupils", Measures: []string{"count", "share"},
			Dimensions: []string{"period:term", "area", "grade_level", "gender", "category:passed"},
			Population: "pupils (not protected identity) with spring-term grades in year 6, or leaving grades in year 9, at the school unit of their latest grade that term",
		},
		relations:  []string{relGender, relAreas, "year 9 group total = the group total of eligibility (same pupils)"},
		file:       "passed_all_subjects.sql",
		shape:      shapeShare,
		grades:     []int{6, 9},
		gender:     true,
		categories: []string{"passed"},
	},
	{
		meta: snapshot.Statistic{
			ID: MeritValue, NameSV: "Genomsnittligt meritvärde", NameEN: "Average merit value",
			DescriptionSV: "Summan av de 16 bästa slutbetygen i årskurs 9 plus moderna språk som 17:e ämne (A=20, B=17,5, C=15, D=12,5, E=10, F och streck 0; högst 340), i genomsnitt över elever med minst ett godkänt betyg, som Skolverket räknar.",
			DescriptionEN: "Sum of the 16 best year-9 leaving grades plus modern language as a 17th subject (A=20, B=17.5, C=15, D=12.5, E=10, F and dash 0; at most 340), averaged over pupils with at least one passing grade, as Skolverket does.",
			Unit:          "merit points", Measures: []string{"mean", "n"},
			Dimensions: []string{"period:term", "area", "grade_level", "gender"},
			Population: "pupils (not protected identity) with year-9 leaving grades of which at least one is E or better",
		},
		relations: []string{relGender, relAreas},
		file:      "merit_value.sql",
		shape:     shapeMean,
		grades:    []int{9},
		gender:    true,
	},
	{
		meta: snapshot.Statistic{
			ID: Eligibility, NameSV: "Behörighet till gymnasieskolan", NameEN: "Eligibility for upper secondary school",
			DescriptionSV: "Andel elever med slutbetyg i årskurs 9 som är behöriga: yrkesprogram (E i svenska eller svenska som andraspråk, engelska, matematik och 5 andra ämnen); ekonomi-, humanistiska och samhällsvetenskapsprogrammen (därtill geografi, historia, religionskunskap, samhällskunskap; 12 ämnen); estetiska programmet (12 ämnen); naturvetenskaps- och teknikprogrammen (därtill biologi, fysik, kemi; 12 ämnen).",
			DescriptionEN: "Share of pupils with year-9 leaving grades who are eligible: vocational programmes (E in Swedish or Swedish as a second language, English, mathematics and 5 other subjects); economics, humanities and social science programmes (also geography, history, religion, civics; 12 subjects); arts programme (12 subjects); natural science and technology programmes (also biology, physics, chemistry; 12 subjects).",
			Unit:          "pupils", Measures: []string{"count", "share"},
			Dimensions: []string{"period:term", "area", "grade_level", "gender", "category:programme group"},
			Population: "pupils (not protected identity) with year-9 leaving grades",
		},
		relations:  []string{relGender, relAreas, "group total = the year-9 group total of passed_all_subjects (same pupils); the categories overlap and do not add up"},
		file:       "eligibility.sql",
		shape:      shapeShare,
		grades:     []int{9},
		gender:     true,
		categories: []string{"vocational", "preparatory_economics", "preparatory_arts", "preparatory_science"},
	},
	{
		meta: snapshot.Statistic{
			ID: TestVsGrade, NameSV: "Nationellt prov jämfört med ämnesbetyg", NameEN: "National test compared with subject grade",
			DescriptionSV: "Antal och andel elever vars ämnesbetyg (vårterminen) är lägre än, lika med eller högre än provbetyget på det nationella provet, årskurs 6 och 9, per läsår och ämne, på den skolenhet där provet skrevs.",
			DescriptionEN: "Number and share of pupils whose subject grade (spring term) is lower than, equal to or higher than their national test grade, years 6 and 9, per school year and subject, at the school unit where the test was taken.",
			Unit:          "pupils", Measures: []string{"count", "share"},
			Dimensions: []string{"period:school year", "area", "grade_level", "subject", "gender", "category:lower/equal/higher"},
			Population: "pupils (not protected identity) with both a test grade and a subject grade A–F in the subject",
		},
		relations:    []string{"group total = lower + equal + higher", relGender, relAreas},
		file:         "test_vs_grade.sql",
		shape:        shapeShare,
		grades:       []int{6, 9},
		subject:      true,
		testSubjects: true,
		gender:       true,
		categories:   []string{"lower", "equal", "higher"},
		partitions:   []partition{{Total: "", Parts: []string{"lower", "equal", "higher"}}},
	},
	{
		meta: snapshot.Statistic{
			ID: Absence, NameSV: "Frånvaro", NameEN: "Absence",
			DescriptionSV: "Frånvaro som andel av schemalagd tid, giltig, ogiltig och totalt, per månad och termin. n = antal elever per skolenhet (en elev som bytt skola räknas vid varje skolenhet för tiden där).",
			DescriptionEN: "Absence as a share of scheduled time, valid, invalid and total, per month and term. n = pupils per school unit (a pupil who moved counts at each school unit for the time there).",
			Unit:          "share of scheduled time", Measures: []string{"share", "n"},
			Dimensions: []string{"period:month,term", "area", "grade_level", "gender", "category:valid/invalid"},
			Population: "pupils (not protected identity) with scheduled time and a placement in the school year",
		},
		relations: []string{"n: " + relGender, "n: " + relGrade, "n: " + relAreas, "n per term = the group total of high_absence"},
		file:      "absence.sql",
		shape:     shapeAbsence,
		grades:    allGrades,
		gradeAll:  true,
		gender:    true,
		pairs:     true,
	},
	{
		meta: snapshot.Statistic{
			ID: HighAbsence, NameSV: "Hög frånvaro", NameEN: "High absence",
			DescriptionSV: "Antal och andel elever med mer än 15 % frånvaro (giltig och ogiltig) av den schemalagda tiden under terminen.",
			DescriptionEN: "Number and share of pupils absent (valid and invalid) more than 15 % of the scheduled time in the term.",
			Unit:          "pupils", Measures: []string{"count", "share"},
			Dimensions: []string{"period:term", "area", "grade_level", "gender", "category:high"},
			Population: "as absence, per term",
		},
		relations:  []string{relGender, relGrade, relAreas, "group total = absence n of the term"},
		file:       "high_absence.sql",
		shape:      shapeShare,
		grades:     allGrades,
		gradeAll:   true,
		gender:     true,
		categories: []string{"high"},
		pairs:      true,
	},
	{
		meta: snapshot.Statistic{
			ID: AssessmentNotReached, NameSV: "Bedömning: ej nått E", NameEN: "Assessment below E",
			DescriptionSV: "Antal och andel elever vars senaste bedömning i ämnet under terminen ligger under E, och hur färsk den senaste bedömningen är (medelålder i dagar vid terminens slut).",
			DescriptionEN: "Number and share of pupils whose latest formative assessment in the subject that term is below E, and how fresh the latest assessments are (mean age in days at the end of the term).",
			Unit:          "pupils", Measures: []string{"count", "share", "mean"},
			Dimensions: []string{"period:term", "area", "grade_level", "subject", "gender", "category:not_reached"},
			Population: "pupils (not protected identity) with a formative assessment in the subject and term and a placement that school year",
		},
		relations:   []string{relGender, relGrade, relAreas},
		file:        "assessment_not_reached.sql",
		shape:       shapeShare,
		grades:      []int{7, 8, 9},
		gradeAll:    true,
		subject:     true,
		gender:      true,
		categories:  []string{"not_reached"},
		meanInTotal: true,
	},
	{
		meta: snapshot.Statistic{
			ID: ActiveUsers, NameSV: "Aktiva användare per vecka", NameEN: "Weekly active users",
			DescriptionSV: "Antal användare med minst en händelse under veckan, per roll (personal, vårdnadshavare, elev) och enhet (dator, mobil, surfplatta), hela riket. Kategori: roll, enhet eller roll/enhet.",
			DescriptionEN: "Number of users with at least one event in the ISO week, by role (staff, guardian, pupil) and device (computer, mobile, tablet), nation-wide. Category: role, device or role/device.",
			Unit:          "users", Measures: []string{"count"},
			Dimensions: []string{"period:ISO week", "area:nation", "category:role,device"},
			Population: "platform users with at least one event in the week",
		},
		relations:  []string{"all = staff + guardian + pupil (a user counts once per role); devices overlap and do not add up"},
		file:       "active_users.sql",
		shape:      shapeCount,
		nationOnly: true,
		ownGroup:   true,
	},
	{
		meta: snapshot.Statistic{
			ID: FeatureUse, NameSV: "Användning av funktioner", NameEN: "Feature use",
			DescriptionSV: "Antal händelser per funktion (händelsetyp) och roll per vecka, hela riket. Kategori: händelsetyp, roll eller roll/händelsetyp.",
			DescriptionEN: "Number of events per feature (event type) and role per ISO week, nation-wide. Category: event type, role or role/event type.",
			Unit:          "events", Measures: []string{"count"},
			Dimensions: []string{"period:ISO week", "area:nation", "category:event type,role"},
			Population: "platform events",
		},
		relations:  []string{"all = sum of event types = sum of roles; role = sum of its role/event types; event type = sum of its role/event types"},
		file:       "feature_use.sql",
		shape:      shapeCount,
		nationOnly: true,
		ownGroup:   true,
	},
}

// Catalogue returns the published catalogue: one row per statistic.
func Catalogue() []snapshot.Statistic {
	out := make([]snapshot.Statistic, len(specs))
	for i, s := range specs {
		out[i] = s.meta
	}
	return out
}

// Relations returns, for people, the additive relations each statistic declares to protection.
func Relations() map[string][]string {
	out := make(map[string][]string, len(specs))
	for _, s := range specs {
		out[s.meta.ID] = s.relations
	}
	return out
}

// loadSQL reads the embedded statistic queries; a missing file is a programming error reported
// at the first build.
func loadSQL() (prelude string, queries map[string]string, err error) {
	b, err := sqlFiles.ReadFile("sql/prelude.sql")
	if err != nil {
		return "", nil, fmt.Errorf("read prelude: %w", err)
	}
	queries = make(map[string]string, len(specs))
	for _, s := range specs {
		q, err := sqlFiles.ReadFile("sql/" + s.file)
		if err != nil {
			return "", nil, fmt.Errorf("read %s: %w", s.file, err)
		}
		queries[s.meta.ID] = string(q)
	}
	return string(b), queries, nil
}
