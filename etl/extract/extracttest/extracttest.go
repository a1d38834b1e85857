// Package extracttest fills a fresh PostgreSQL test database with a small, valid source
// contract for the extraction and run tests.
package extracttest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/skolstat/skolstat/etl/contract"
	"github.com/skolstat/skolstat/etl/pgtest"
)

// Pupils is the number of pupils Seed creates; the last one has a protected identity.
const Pupils = 20

// Days is the number of attendance days per pupil.
const Days = 5

// New creates a fresh database with the contract and the small valid data set of Seed and
// returns its connection string.
func New(tb testing.TB) string {
	tb.Helper()
	dsn := pgtest.New(tb)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Fatalf("extracttest: %v", err)
	}
	defer conn.Close(ctx)
	if err := contract.Apply(ctx, conn, contract.Options{}); err != nil {
		tb.Fatalf("extracttest: %v", err)
	}
	Exec(tb, conn, Seed()...)
	return dsn
}

// Exec runs statements on conn, failing tb on the first error.
func Exec(tb testing.TB, conn *pgx.Conn, stmts ...string) {
	tb.Helper()
	for _, s := range stmts {
		if _, err := conn.Exec(context.Background(), s); err != nil {
			tb.Fatalf("extracttest: %s: %v", firstLine(s), err)
		}
	}
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i > 0 {
		return s[:i]
	}
	return s
}

// Seed returns the statements of the small valid data set: two organisers, two school units,
// three subjects, Pupils pupils (one protected) with a placement, a final grade, a national
// test, an assessment, Days days of attendance each, and usage events.
func Seed() []string {
	s := []string{
		`INSERT INTO export.organisers VALUES
		   ('K0180', 'Stockholms kommun', 'municipal', '0180', now()),
		   ('E1', 'Friskolan AB', 'independent', NULL, now())`,
		`INSERT INTO export.school_units VALUES
		   ('11111111', 'Norra skolan', 'K0180', '0180', now()),
		   ('22222222', 'Friskolan', 'E1', '0180', now())`,
		`INSERT INTO export.subjects VALUES ('MA', 'Matematik', 'Mathematics'),
		   ('SV', 'Svenska', 'Swedish'), ('EN', 'Engelska', 'English')`,
	}
	var pupils, placements, grades, tests, assess, att []string
	for i := 1; i <= Pupils; i++ {
		p := fmt.Sprintf("p%03d", i)
		g := "F"
		if i%2 == 0 {
			g = "M"
		}
		unit := "11111111"
		if i > Pupils/2 {
			unit = "22222222"
		}
		pupils = append(pupils, fmt.Sprintf("('%s', '%s', 2010, %t, now())", p, g, i == Pupils))
		placements = append(placements, fmt.Sprintf("(%d, '%s', '%s', '2024/25', 9, '9A', '2024-08-15', NULL, now())", i, p, unit))
		grades = append(grades, fmt.Sprintf("(%d, '%s', '%s', 'MA', 'VT2025', 9, '%c', true, '2025-06-10', now())", i, p, unit, 'A'+rune(i%6)))
		tests = append(tests, fmt.Sprintf("(%d, '%s', '%s', 'MA', '2024/25', 9, 'C', '2025-03-01', now())", i, p, unit))
		assess = append(assess, fmt.Sprintf("(%d, '%s', '%s', 'MA', 'VT2025', 'E', '2025-02-01T10:00:00Z', now())", i, p, unit))
		for d := 1; d <= Days; d++ {
			att = append(att, fmt.Sprintf("('%s', '%s', '2025-03-%02d', 300, %d, %d, now())", p, unit, d+2, d*5, i%3))
		}
	}
	s = append(s,
		"INSERT INTO export.pupils VALUES "+strings.Join(pupils, ", "),
		"INSERT INTO export.placements VALUES "+strings.Join(placements, ", "),
		"INSERT INTO export.grades VALUES "+strings.Join(grades, ", "),
		"INSERT INTO export.national_tests VALUES "+strings.Join(tests, ", "),
		"INSERT INTO export.assessments VALUES "+strings.Join(assess, ", "),
		"INSERT INTO export.attendance VALUES "+strings.Join(att, ", "),
		`INSERT INTO export.usage_events
		   SELECT i, 'u' || (i % 7), (ARRAY['staff','guardian','pupil'])[1 + i % 3],
		          CASE WHEN i % 5 = 0 THEN NULL ELSE '11111111' END, 'login',
		          (ARRAY['computer','mobile','tablet'])[1 + i % 3], now() - make_interval(hours => i)
		   FROM generate_series(1, 40) i`,
	)
	return s
}
