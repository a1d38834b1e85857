package reports

import (
	"bufio"
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"sort"
	"strings"

	"github.com/skolstat/skolstat/etl/snapshot"
)

// kommunerTSV names real Swedish municipalities by kommunkod (a selection; others fall back to
// "Kommun <code>").
//
//go:embed kommuner.tsv
var kommunerTSV string

// NationName is the published name of the nation.
const NationName = "Riket"

// MunicipalityName returns the name of a municipality code, or "Kommun <code>".
func MunicipalityName(code string) string {
	sc := bufio.NewScanner(strings.NewReader(kommunerTSV))
	for sc.Scan() {
		if c, name, ok := strings.Cut(sc.Text(), "\t"); ok && c == code {
			return name
		}
	}
	return "Kommun " + code
}

// loadAreas returns every area of the warehouse in the cube's order: the nation, then
// municipalities, organisers and school units, each by code. Organisers and municipalities
// that school units name but the warehouse lacks are included under their code.
func loadAreas(ctx context.Context, conn *sql.Conn) ([]snapshot.Area, error) {
	orgs := map[string]snapshot.Area{}
	munis := map[string]snapshot.Area{}
	var units []snapshot.Area
	rows, err := conn.QueryContext(ctx, `SELECT organiser_id, coalesce(name, organiser_id), coalesce(municipality_code, '')
		FROM organisers WHERE organiser_id IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("load organisers: %w", err)
	}
	for rows.Next() {
		var a snapshot.Area
		if err := rows.Scan(&a.Code, &a.Name, &a.MunicipalityCode); err != nil {
			rows.Close()
			return nil, fmt.Errorf("load organisers: %w", err)
		}
		a.Level = snapshot.LevelOrganiser
		orgs[a.Code] = a
		if a.MunicipalityCode != "" {
			munis[a.MunicipalityCode] = snapshot.Area{}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load organisers: %w", err)
	}
	rows, err = conn.QueryContext(ctx, `SELECT school_unit_code, coalesce(name, school_unit_code), organiser_id, municipality_code
		FROM school_units WHERE organiser_id IS NOT NULL AND municipality_code IS NOT NULL ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("load school units: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a := snapshot.Area{Level: snapshot.LevelSchoolUnit}
		if err := rows.Scan(&a.Code, &a.Name, &a.OrganiserID, &a.MunicipalityCode); err != nil {
			return nil, fmt.Errorf("load school units: %w", err)
		}
		units = append(units, a)
		if _, ok := orgs[a.OrganiserID]; !ok {
			orgs[a.OrganiserID] = snapshot.Area{Level: snapshot.LevelOrganiser, Code: a.OrganiserID, Name: a.OrganiserID}
		}
		munis[a.MunicipalityCode] = snapshot.Area{}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load school units: %w", err)
	}
	out := []snapshot.Area{{Level: snapshot.LevelNation, Code: snapshot.NationCode, Name: NationName}}
	for _, code := range sortedKeys(munis) {
		out = append(out, snapshot.Area{Level: snapshot.LevelMunicipality, Code: code,
			Name: MunicipalityName(code), MunicipalityCode: code})
	}
	for _, code := range sortedKeys(orgs) {
		out = append(out, orgs[code])
	}
	sort.Slice(units, func(i, j int) bool { return units[i].Code < units[j].Code })
	return append(out, units...), nil
}

// loadSubjects returns every subject code with its names (the code where a name is missing).
func loadSubjects(ctx context.Context, conn *sql.Conn) ([]snapshot.Subject, error) {
	rows, err := conn.QueryContext(ctx, `SELECT subject_code, coalesce(name_sv, subject_code), coalesce(name_en, name_sv, subject_code)
		FROM subjects WHERE subject_code IS NOT NULL ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("load subjects: %w", err)
	}
	defer rows.Close()
	var out []snapshot.Subject
	for rows.Next() {
		var s snapshot.Subject
		if err := rows.Scan(&s.Code, &s.NameSV, &s.NameEN); err != nil {
			return nil, fmt.Errorf("load subjects: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load subjects: %w", err)
	}
	return out, nil
}
