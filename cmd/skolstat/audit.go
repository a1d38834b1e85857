package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"

	"github.com/skolstat/skolstat/anonymize"
	"github.com/skolstat/skolstat/etl/duck"
	"github.com/skolstat/skolstat/etl/snapshot"
)

// auditConfig is the configuration of `skolstat audit`.
type auditConfig struct {
	Snapshot string
}

// Validate checks the flags.
func (c *auditConfig) Validate() error {
	if c.Snapshot == "" {
		return errors.New("--snapshot is required")
	}
	return nil
}

// errAuditFailed reports hidden cells an attacker can bound too tightly.
var errAuditFailed = errors.New("audit failed")

// runAudit re-checks a published snapshot as an attacker would: for every hidden cell, the
// interval it can take given everything shown, the public relations and the bands.
func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := &auditConfig{}
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Snapshot, "snapshot", "", "a published snapshot file")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "audit: %v\n", err)
		fs.Usage()
		return errUsage
	}
	db, err := duck.Open(ctx, cfg.Snapshot, duck.Options{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("open snapshot: %w", err)
	}
	defer db.Close()
	in, err := loadAuditInput(ctx, db)
	if err != nil {
		return err
	}
	rep, err := anonymize.AuditTerms(ctx, in.cells, in.rels, in.policy)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	fmt.Fprintf(stdout, "snapshot %s\n", cfg.Snapshot)
	fmt.Fprintf(stdout, "additive cells: %d, relations: %d, policy: k = %d, protection width %s\n",
		len(in.cells), len(in.rels), in.policy.K, anonymize.FormatNumber(in.policy.ProtectionWidth, 1))
	fmt.Fprintf(stdout, "hidden cells checked: %d in %d independent blocks (%d linear programs)\n",
		rep.Checked, rep.Blocks, rep.LPs)
	if len(rep.Failures) == 0 {
		fmt.Fprintln(stdout, "failures: 0 — no hidden cell can be bounded too tightly")
		return nil
	}
	fmt.Fprintf(stdout, "failures: %d\n", len(rep.Failures))
	for _, f := range rep.Failures {
		fmt.Fprintf(stdout, "  %s  [%s, %s]  %s\n", in.labels[f.Cell], fmtBound(f.Lo), fmtBound(f.Hi), f.Reason)
	}
	return fmt.Errorf("%w: %d hidden cells can be bounded too tightly", errAuditFailed, len(rep.Failures))
}

func fmtBound(v float64) string {
	if math.IsInf(v, 1) {
		return "∞"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// auditInput is what a reader of a snapshot knows, in Audit's terms.
type auditInput struct {
	cells  []anonymize.Public
	labels []string // the dimension tuple of each cell
	rels   [][]anonymize.Term
	policy anonymize.Policy
}

func loadAuditInput(ctx context.Context, db *sql.DB) (*auditInput, error) {
	in := &auditInput{policy: anonymize.DefaultPolicy()}
	var policy string
	if err := db.QueryRowContext(ctx, `SELECT policy FROM snapshot LIMIT 1`).Scan(&policy); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read snapshot policy: %w", err)
	}
	if policy != "" {
		var p anonymize.Policy
		if err := json.Unmarshal([]byte(policy), &p); err == nil && p.Validate() == nil && p.K > 0 {
			in.policy = p
		}
	}
	// A bound without a published row is an internal cell (pupils of unknown gender, who
	// count in "all" only): the relations hold over it, its value is never shown.
	rows, err := db.QueryContext(ctx, `
		SELECT b.cell_id, b.lower, b.upper, coalesce(c.status, ''),
		       CASE WHEN c.status IS NULL THEN 'internal cell ' || b.cell_id::VARCHAR
		            ELSE concat_ws(' ', c.statistic, c.period, c.area_level, c.area_code,
		                 coalesce('åk ' || c.grade_level::VARCHAR, 'alla åk'), coalesce(c.subject, '-'),
		                 coalesce(c.gender, 'alla'), coalesce(c.category, 'totalt'), c.measure) END
		FROM bounds b LEFT JOIN cells c USING (cell_id)
		ORDER BY b.cell_id`)
	if err != nil {
		return nil, fmt.Errorf("read bounds: %w", err)
	}
	defer rows.Close()
	index := map[int64]int{}
	for rows.Next() {
		var id int64
		var lo float64
		var hi sql.NullFloat64
		var status, label string
		if err := rows.Scan(&id, &lo, &hi, &status, &label); err != nil {
			return nil, fmt.Errorf("read bounds: %w", err)
		}
		p := anonymize.Public{Key: strconv.FormatInt(id, 10), Lo: lo, Hi: hi.Float64, Unbounded: !hi.Valid,
			Coded: status == snapshot.StatusCoded}
		if hi.Valid && hi.Float64 == lo && (status == snapshot.StatusShown || status == snapshot.StatusMissing) {
			p = anonymize.Public{Key: p.Key, Shown: true, Value: lo}
		}
		index[id] = len(in.cells)
		in.cells = append(in.cells, p)
		in.labels = append(in.labels, label)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read bounds: %w", err)
	}
	rrows, err := db.QueryContext(ctx, `SELECT relation_id, cell_id, coef FROM relations ORDER BY relation_id, cell_id`)
	if err != nil {
		return nil, fmt.Errorf("read relations: %w", err)
	}
	defer rrows.Close()
	byID := map[int64][]anonymize.Term{}
	var ids []int64
	for rrows.Next() {
		var rid, cid int64
		var coef float64
		if err := rrows.Scan(&rid, &cid, &coef); err != nil {
			return nil, fmt.Errorf("read relations: %w", err)
		}
		k, ok := index[cid]
		if !ok {
			return nil, fmt.Errorf("read relations: relation %d names cell %d, which has no bound", rid, cid)
		}
		if _, seen := byID[rid]; !seen {
			ids = append(ids, rid)
		}
		byID[rid] = append(byID[rid], anonymize.Term{Cell: k, Coef: coef})
	}
	if err := rrows.Err(); err != nil {
		return nil, fmt.Errorf("read relations: %w", err)
	}
	sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
	for _, id := range ids {
		in.rels = append(in.rels, byID[id])
	}
	return in, nil
}
