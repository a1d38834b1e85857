package testsnap

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/skolstat/skolstat/etl/publish"
	"github.com/skolstat/skolstat/etl/snapshot"
)

// LargeSchool is a school unit of the Large snapshot that a principal benchmark can use.
const LargeSchool = "38000001"

// Large returns a snapshot of the size of the synthetic municipality profile (one
// municipality, a municipal organiser with 40 school units and 10 independent organisers with
// 2 each; six terms, 30 months; about a million cells), with the catalogue's statistic ids.
func Large() snapshot.Content {
	areas := []snapshot.Area{
		{Level: snapshot.LevelNation, Code: snapshot.NationCode, Name: "Riket"},
		{Level: snapshot.LevelMunicipality, Code: "0380", Name: "Uppsala"},
		{Level: snapshot.LevelOrganiser, Code: "K0380", Name: "Uppsala kommun", MunicipalityCode: "0380"},
	}
	for i := 1; i <= 10; i++ {
		areas = append(areas, snapshot.Area{Level: snapshot.LevelOrganiser, Code: fmt.Sprintf("E%04d", i), Name: fmt.Sprintf("Friskola %d AB", i)})
	}
	for i := 1; i <= 60; i++ {
		org := "K0380"
		if i > 40 {
			org = fmt.Sprintf("E%04d", (i-41)/2+1)
		}
		areas = append(areas, snapshot.Area{Level: snapshot.LevelSchoolUnit, Code: fmt.Sprintf("380%05d", i),
			Name: fmt.Sprintf("Skola %d", i), OrganiserID: org, MunicipalityCode: "0380"})
	}
	terms := []string{"HT2023", "VT2024", "HT2024", "VT2025", "HT2025", "VT2026"}
	var months []string
	for y, m := 2023, 8; len(months) < 30; m++ {
		if m > 12 {
			y, m = y+1, 1
		}
		months = append(months, fmt.Sprintf("%d-%02d", y, m))
	}
	subjects := []string{"BI", "EN", "FY", "GE", "HI", "IDH", "KE", "MA", "MU", "SH", "SV", "TK"}
	grades := []int{6, 7, 8, 9}
	genders := []*string{nil, ptr("F"), ptr("M")}
	letters := []*string{nil, ptr("A"), ptr("B"), ptr("C"), ptr("D"), ptr("E"), ptr("F"), ptr("-")}
	var cells []snapshot.Cell
	seq := int64(0)
	add := func(stat, period string, a snapshot.Area, grade *int, subject, gender, category *string, measure string, v float64) {
		seq++
		c := snapshot.Cell{ID: seq, Statistic: stat, Period: period, AreaLevel: a.Level, AreaCode: a.Code,
			GradeLevel: grade, Subject: subject, Gender: gender, Category: category, Measure: measure}
		if seq%7 == 0 && a.Level == snapshot.LevelSchoolUnit {
			c.Status, c.Display = snapshot.StatusSuppressedPrimary, ".."
		} else {
			c.Status, c.Value, c.Display = snapshot.StatusShown, &v, fmt.Sprintf("%.1f", v)
		}
		cells = append(cells, c)
	}
	for _, a := range areas {
		for ti, t := range terms {
			for gi := range grades {
				g := &grades[gi]
				for _, s := range subjects {
					sub := ptr(s)
					for _, gen := range genders {
						for li, l := range letters {
							add("grade_distribution", t, a, g, sub, gen, l, "count", float64(10+li+ti))
							add("grade_distribution", t, a, g, sub, gen, l, "share", float64(li*7)+0.5)
						}
					}
				}
			}
			for _, g := range []*int{&grades[0], &grades[3]} {
				for _, gen := range genders {
					add("passed_all_subjects", t, a, g, nil, gen, nil, "count", 80)
					add("passed_all_subjects", t, a, g, nil, gen, nil, "share", 78.5)
				}
			}
			for _, gen := range genders {
				add("merit_value", t, a, &grades[3], nil, gen, nil, "mean", 231.5)
				add("merit_value", t, a, &grades[3], nil, gen, nil, "n", 90)
			}
		}
		for _, m := range months {
			for gi := range grades {
				for _, gen := range genders {
					add("absence", m, a, &grades[gi], nil, gen, nil, "share", 6.5)
					add("absence", m, a, &grades[gi], nil, gen, nil, "n", 95)
				}
			}
		}
	}
	for w := 1; w <= 52; w++ {
		for _, cat := range []*string{nil, ptr("guardian"), ptr("pupil"), ptr("teacher")} {
			add("active_users", fmt.Sprintf("2025-W%02d", w), areas[0], nil, nil, nil, cat, "count", 15000)
		}
	}
	stats := []snapshot.Statistic{}
	for _, id := range []string{"absence", "active_users", "grade_distribution", "merit_value", "passed_all_subjects"} {
		stats = append(stats, snapshot.Statistic{ID: id, NameSV: id, NameEN: id, Unit: "pupils",
			Measures: []string{"count", "share"}, Dimensions: []string{"period", "area"}, Population: "pupils"})
	}
	var subs []snapshot.Subject
	for _, s := range subjects {
		subs = append(subs, snapshot.Subject{Code: s, NameSV: s, NameEN: s})
	}
	return snapshot.Content{Cells: cells, Areas: areas, Statistics: stats, Subjects: subs}
}

// PublishContent writes content as run runID into dataDir and makes it current.
func PublishContent(ctx context.Context, dataDir, runID string, content snapshot.Content) (string, error) {
	extracted := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Second)
	path, err := publish.Write(ctx, dataDir, runID, func(ctx context.Context, db *sql.DB) error {
		return snapshot.Write(ctx, db, content, snapshot.Meta{RunID: runID, ExtractedAt: extracted,
			PublishedAt: extracted.Add(time.Hour), Policy: `{"min_group":10}`, Source: "synthetic"})
	})
	if err != nil {
		return "", err
	}
	return path, publish.SetCurrent(dataDir, publish.FileName(runID))
}
