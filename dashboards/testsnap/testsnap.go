// Package testsnap publishes small hand-made snapshots into a data directory for tests of the
// server, the store and the pages.
package testsnap

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/skolstat/skolstat/etl/publish"
	"github.com/skolstat/skolstat/etl/snapshot"
)

// Areas of the fixture: two municipalities, three organisers (two municipal, one independent
// running schools in 0180), four school units.
var Areas = []snapshot.Area{
	{Level: snapshot.LevelNation, Code: snapshot.NationCode, Name: "Riket"},
	{Level: snapshot.LevelMunicipality, Code: "0180", Name: "Stockholm"},
	{Level: snapshot.LevelMunicipality, Code: "1480", Name: "Göteborg"},
	{Level: snapshot.LevelOrganiser, Code: "K0180", Name: "Stockholms kommun", MunicipalityCode: "0180"},
	{Level: snapshot.LevelOrganiser, Code: "K1480", Name: "Göteborgs kommun", MunicipalityCode: "1480"},
	{Level: snapshot.LevelOrganiser, Code: "E0001", Name: "Friskolan AB"},
	{Level: snapshot.LevelSchoolUnit, Code: "10000001", Name: "Ekskolan", OrganiserID: "K0180", MunicipalityCode: "0180"},
	{Level: snapshot.LevelSchoolUnit, Code: "10000002", Name: "Björkskolan", OrganiserID: "K0180", MunicipalityCode: "0180"},
	{Level: snapshot.LevelSchoolUnit, Code: "20000001", Name: "Hamnskolan", OrganiserID: "K1480", MunicipalityCode: "1480"},
	{Level: snapshot.LevelSchoolUnit, Code: "30000001", Name: "Friskolan Söder", OrganiserID: "E0001", MunicipalityCode: "0180"},
}

// Statistics of the fixture: a share with gender and grade, and a platform-usage count.
var Statistics = []snapshot.Statistic{
	{ID: "passed_all", NameSV: "Andel som uppnått kunskapskraven i alla ämnen", NameEN: "Share passing all subjects",
		DescriptionSV: "Andel elever med lägst E i alla ämnen.", DescriptionEN: "Share of pupils with at least E in all subjects.",
		Unit: "percent", Measures: []string{"share", "n"}, Dimensions: []string{"grade_level", "gender"}, Population: "pupils"},
	{ID: "active_users", NameSV: "Aktiva användare", NameEN: "Active users",
		DescriptionSV: "Användare som loggat in.", DescriptionEN: "Users who signed in.",
		Unit: "count", Measures: []string{"count"}, Dimensions: []string{"category"}, Population: "users"},
}

// Periods of the fixture.
var Periods = []string{"VT2024", "VT2025"}

// Cells returns the fixture's cells; variant shifts the values so that two snapshots differ.
// For passed_all: per area, period, grade (nil, 9), gender (nil, F, M) a share and an n;
// school unit 10000002's gender cells are suppressed (too few pupils).
func Cells(variant int) []snapshot.Cell {
	var out []snapshot.Cell
	id := int64(0)
	add := func(c snapshot.Cell) {
		id++
		c.ID = id
		out = append(out, c)
	}
	nine := 9
	f, m := "F", "M"
	for ai, a := range Areas {
		for pi, p := range Periods {
			for _, g := range []*int{nil, &nine} {
				for _, gen := range []*string{nil, &f, &m} {
					base := 60 + float64(ai)*2 + float64(pi) + float64(variant)
					if gen == &f {
						base += 3.5
					}
					hide := a.Code == "10000002" && gen != nil
					share := snapshot.Cell{Statistic: "passed_all", Period: p, AreaLevel: a.Level, AreaCode: a.Code,
						GradeLevel: g, Gender: gen, Measure: "share", Status: snapshot.StatusShown}
					n := share
					n.Measure = "n"
					if hide {
						share.Status, share.Display = snapshot.StatusSuppressedPrimary, ".."
						n.Status, n.Display = snapshot.StatusCoded, "1–9"
					} else {
						v := base + 0.25
						share.Value, share.Display = &v, fmt.Sprintf("%.1f", v)
						nv := float64(40 + ai*10)
						n.Value, n.Display = &nv, fmt.Sprintf("%.0f", nv)
					}
					add(share)
					add(n)
				}
			}
		}
	}
	for _, p := range Periods {
		for _, cat := range []*string{nil, ptr("guardian"), ptr("pupil")} {
			v := float64(1000 + variant)
			add(snapshot.Cell{Statistic: "active_users", Period: p, AreaLevel: snapshot.LevelNation, AreaCode: snapshot.NationCode,
				Category: cat, Measure: "count", Value: &v, Display: fmt.Sprint(v), Status: snapshot.StatusShown})
		}
		v := 120.0
		add(snapshot.Cell{Statistic: "active_users", Period: p, AreaLevel: snapshot.LevelSchoolUnit, AreaCode: "10000001",
			Measure: "count", Value: &v, Display: "120", Status: snapshot.StatusShown})
	}
	return out
}

func ptr(s string) *string { return &s }

// Publish writes the fixture (variant) as run runID into dataDir and makes it current.
func Publish(ctx context.Context, dataDir, runID string, variant int) (string, error) {
	return PublishCells(ctx, dataDir, runID, Cells(variant))
}

// PublishCells writes a snapshot with the fixture's areas and catalogue and the given cells,
// and makes it current.
func PublishCells(ctx context.Context, dataDir, runID string, cells []snapshot.Cell) (string, error) {
	extracted := time.Date(2025, 6, 20, 2, 0, 0, 0, time.UTC)
	path, err := publish.Write(ctx, dataDir, runID, func(ctx context.Context, db *sql.DB) error {
		return snapshot.Write(ctx, db, snapshot.Content{
			Cells: cells, Areas: Areas, Statistics: Statistics,
			Subjects: []snapshot.Subject{{Code: "MA", NameSV: "Matematik", NameEN: "Mathematics"}},
		}, snapshot.Meta{RunID: runID, ExtractedAt: extracted, PublishedAt: extracted.Add(time.Hour),
			Policy: `{"min_group":10}`, Source: "test"})
	})
	if err != nil {
		return "", err
	}
	if err := publish.SetCurrent(dataDir, publish.FileName(runID)); err != nil {
		return "", err
	}
	return path, nil
}
