package reports

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/skolstat/skolstat/etl/snapshot"
)

// aggKey is one group of the rollup.
type aggKey struct {
	period  string
	area    int32
	grade   int8
	subject string
	gender  uint8
}

// agg is what the rollup returns for one group.
type agg struct {
	grp, total float64
	cats       []float64 // per category of the block (index 0, the total, unused)
	catGrp     []float64 // distinct persons per category (ownGroup statistics)
	v          [3]float64
}

// quoteList renders string literals for an IN list.
func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = "'" + strings.ReplaceAll(x, "'", "''") + "'"
	}
	return strings.Join(q, ", ")
}

// rollupSQL wraps a statistic's unit query in the GROUPING SETS that produce every area level,
// grade level (each and all) and gender (each and all) at once, with one sum per category.
// With distinctPersons (units are pupil × school unit pairs), the group is the number of
// distinct pupils, counted without DISTINCT: each of a pupil's k units in an aggregate area
// weighs 1/k.
func rollupSQL(s *spec, query string, cats, subjects []string, distinctPersons bool) string {
	var q strings.Builder
	q.WriteString("WITH u AS (\n" + query + "\n),\n")
	grades := make([]string, len(s.grades))
	for i, g := range s.grades {
		grades[i] = strconv.Itoa(g)
	}
	q.WriteString("x AS (SELECT u.*, s.organiser_id AS org, s.municipality_code AS muni")
	if distinctPersons {
		for _, w := range []struct{ name, by string }{
			{"k_og", "org, grade_level"}, {"k_o", "org"}, {"k_mg", "muni, grade_level"},
			{"k_m", "muni"}, {"k_ng", "grade_level"}, {"k_n", "period"},
		} {
			fmt.Fprintf(&q, ",\n  count(*) OVER (PARTITION BY period, person_id, %s) AS %s", w.by, w.name)
		}
	}
	q.WriteString("\n  FROM u JOIN school_units s USING (school_unit_code)\n" +
		"  WHERE s.organiser_id IS NOT NULL AND s.municipality_code IS NOT NULL AND u.gender IN ('F', 'M', 'U')\n" +
		"    AND u.grade_level IN (" + strings.Join(grades, ", ") + ")")
	if s.subject {
		q.WriteString("\n    AND u.subject IN (" + quoteList(subjects) + ")")
	}
	q.WriteString("),\n")
	// f: the finest groups first (school unit, grade level, subject, gender), so that the
	// grouping sets run over far fewer rows than units; every quantity is a sum, so summing
	// the sums is exact.
	q.WriteString("f AS (SELECT period, subject, school_unit_code, org, muni, grade_level, gender,\n" +
		"  count(*) AS n_su, sum(weight) AS total,\n")
	if distinctPersons {
		q.WriteString("  sum(1.0 / k_og) AS w_og, sum(1.0 / k_o) AS w_o, sum(1.0 / k_mg) AS w_mg,\n" +
			"  sum(1.0 / k_m) AS w_m, sum(1.0 / k_ng) AS w_ng, sum(1.0 / k_n) AS w_n,\n")
	}
	for i, c := range cats[1:] {
		fmt.Fprintf(&q, "  sum(weight) FILTER (WHERE list_contains(cats, %s)) AS c%d,\n", quoteList([]string{c}), i)
	}
	q.WriteString("  sum(v1) AS v1, sum(v2) AS v2, sum(v3) AS v3\nFROM x\n" +
		"GROUP BY period, subject, school_unit_code, org, muni, grade_level, gender)\n")
	q.WriteString("SELECT period, GROUPING(school_unit_code), GROUPING(org), GROUPING(muni), school_unit_code, org, muni,\n" +
		"  GROUPING(grade_level), grade_level, subject, GROUPING(gender), gender,\n")
	if distinctPersons {
		q.WriteString(`  CASE WHEN GROUPING(school_unit_code) = 0 THEN sum(n_su)
       WHEN GROUPING(org) = 0 THEN CASE WHEN GROUPING(grade_level) = 0 THEN sum(w_og) ELSE sum(w_o) END
       WHEN GROUPING(muni) = 0 THEN CASE WHEN GROUPING(grade_level) = 0 THEN sum(w_mg) ELSE sum(w_m) END
       ELSE CASE WHEN GROUPING(grade_level) = 0 THEN sum(w_ng) ELSE sum(w_n) END END,
`)
	} else {
		q.WriteString("  sum(total),\n")
	}
	q.WriteString("  sum(total)")
	for i := range cats[1:] {
		fmt.Fprintf(&q, ", sum(c%d)", i)
	}
	q.WriteString(",\n  sum(v1), sum(v2), sum(v3)\nFROM f\nGROUP BY GROUPING SETS (")
	var sets []string
	for _, a := range []string{"school_unit_code", "org", "muni", ""} {
		gs := []string{"grade_level"}
		if s.gradeAll {
			gs = append(gs, "")
		}
		for _, g := range gs {
			for _, x := range []string{"gender", ""} {
				cols := []string{"period", "subject"}
				for _, c := range []string{a, g, x} {
					if c != "" {
						cols = append(cols, c)
					}
				}
				sets = append(sets, "("+strings.Join(cols, ", ")+")")
			}
		}
	}
	q.WriteString(strings.Join(sets, ",\n  "))
	q.WriteString(")")
	return q.String()
}

// nationSQL aggregates a nation-only statistic (usage): per period and category ("" = all),
// the distinct persons and the summed weight.
func nationSQL(query string, cats []string) string {
	// Two plain aggregations instead of count(DISTINCT): first per person, then per category.
	return "WITH u AS (\n" + query + "\n),\n" +
		"p AS (SELECT period, cat, person_id, sum(weight) AS weight\n" +
		"  FROM u, unnest(list_prepend('', cats)) AS c(cat)\n" +
		"  WHERE cat IN (" + quoteList(cats) + ")\n" +
		"  GROUP BY period, cat, person_id)\n" +
		"SELECT period, cat, count(*), sum(weight) FROM p GROUP BY period, cat"
}

// readNation runs nationSQL and returns its groups (one per period).
func (b *builder) readNation(ctx context.Context, query string, cats []string) (map[aggKey]*agg, error) {
	rows, err := b.conn.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("rollup: %w", err)
	}
	defer rows.Close()
	pos := make(map[string]int, len(cats))
	for i, c := range cats {
		pos[c] = i
	}
	out := map[aggKey]*agg{}
	for rows.Next() {
		var period, cat string
		var persons, weight float64
		if err := rows.Scan(&period, &cat, &persons, &weight); err != nil {
			return nil, fmt.Errorf("rollup: %w", err)
		}
		k := aggKey{period: period, grade: -1, gender: genderAll}
		a := out[k]
		if a == nil {
			a = &agg{cats: make([]float64, len(cats)), catGrp: make([]float64, len(cats))}
			out[k] = a
		}
		ci := pos[cat]
		if ci == 0 {
			a.grp, a.total = persons, weight
		}
		a.cats[ci], a.catGrp[ci] = weight, persons
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("rollup: %w", err)
	}
	return out, nil
}

// readRollup runs the rollup and returns its groups.
func (b *builder) readRollup(ctx context.Context, s *spec, query string, cats []string) (map[aggKey]*agg, error) {
	rows, err := b.conn.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("rollup: %w", err)
	}
	defer rows.Close()
	out := map[aggKey]*agg{}
	var (
		period                   string
		gsu, gorg, gmuni, gg, gx int
		su, org, muni, subject   sql.NullString
		gender                   sql.NullString
		grade                    sql.NullInt64
	)
	nc := len(cats) - 1
	nums := make([]sql.NullFloat64, 2+nc+3)
	dest := []any{&period, &gsu, &gorg, &gmuni, &su, &org, &muni, &gg, &grade, &subject, &gx, &gender}
	for i := range nums {
		dest = append(dest, &nums[i])
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("rollup: %w", err)
		}
		k := aggKey{period: period, subject: subject.String, grade: -1, gender: genderAll}
		var ok bool
		switch {
		case gsu == 0:
			k.area, ok = b.areaIdx[[2]string{snapshot.LevelSchoolUnit, su.String}]
		case gorg == 0:
			k.area, ok = b.areaIdx[[2]string{snapshot.LevelOrganiser, org.String}]
		case gmuni == 0:
			k.area, ok = b.areaIdx[[2]string{snapshot.LevelMunicipality, muni.String}]
		default:
			k.area, ok = 0, true
		}
		if !ok {
			return nil, fmt.Errorf("rollup: area not in the frame")
		}
		if gg == 0 && grade.Valid {
			k.grade = int8(grade.Int64)
		}
		if gx == 0 && gender.Valid {
			switch gender.String {
			case "F":
				k.gender = genderF
			case "M":
				k.gender = genderM
			default:
				k.gender = genderU
			}
		}
		// The group is a whole number; weighted sums of 1/k carry rounding error.
		a := &agg{grp: math.Round(nums[0].Float64), total: nums[1].Float64, cats: make([]float64, len(cats))}
		for i := 0; i < nc; i++ {
			a.cats[i+1] = nums[2+i].Float64
		}
		for i := range a.v {
			a.v[i] = nums[len(nums)-3+i].Float64
		}
		out[k] = a
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("rollup: %w", err)
	}
	return out, nil
}

// categories returns the frame categories of a statistic, the group total ("") first, and its
// partitions; usage statistics derive theirs from the roles, devices and event types.
func (b *builder) categories(ctx context.Context, s *spec) ([]string, []partition, error) {
	cats := append([]string{""}, s.categories...)
	parts := s.partitions
	switch s.meta.ID {
	case ActiveUsers:
		cats = append(cats, usageRoles...)
		cats = append(cats, usageDevices...)
		for _, r := range usageRoles {
			for _, d := range usageDevices {
				cats = append(cats, r+"/"+d)
			}
		}
		parts = []partition{{Total: "", Parts: usageRoles}}
	case FeatureUse:
		rows, err := b.conn.QueryContext(ctx, `SELECT DISTINCT event_type FROM usage_events
			WHERE event_type IS NOT NULL AND role IN ('staff', 'guardian', 'pupil') ORDER BY 1`)
		if err != nil {
			return nil, nil, fmt.Errorf("event types: %w", err)
		}
		var ets []string
		for rows.Next() {
			var et string
			if err := rows.Scan(&et); err != nil {
				rows.Close()
				return nil, nil, fmt.Errorf("event types: %w", err)
			}
			ets = append(ets, et)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, fmt.Errorf("event types: %w", err)
		}
		cats = append(cats, ets...)
		cats = append(cats, usageRoles...)
		parts = []partition{{Total: "", Parts: ets}, {Total: "", Parts: usageRoles}}
		for _, r := range usageRoles {
			p := partition{Total: r}
			for _, et := range ets {
				cats = append(cats, r+"/"+et)
				p.Parts = append(p.Parts, r+"/"+et)
			}
			parts = append(parts, p)
		}
		for _, et := range ets {
			p := partition{Total: et}
			for _, r := range usageRoles {
				p.Parts = append(p.Parts, r+"/"+et)
			}
			parts = append(parts, p)
		}
	}
	return cats, parts, nil
}

// sortedPeriods returns the distinct periods of the rollup.
func sortedPeriods(m map[aggKey]*agg) []string {
	set := map[string]bool{}
	for k := range m {
		set[k.period] = true
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}
