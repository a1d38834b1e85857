// Package download writes published cells in the published format of DESIGN §5 as CSV for
// Swedish Excel, XLSX and Parquet.
package download

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/skolstat/skolstat/etl/duck"
	"github.com/skolstat/skolstat/etl/snapshot"
)

// Columns are the 12 columns of the published format, in order.
var Columns = []string{"statistic", "period", "area_level", "area_code", "grade_level", "subject",
	"gender", "category", "measure", "value", "display", "status"}

// Formats a download can take.
const (
	FormatCSV     = "csv"
	FormatXLSX    = "xlsx"
	FormatParquet = "parquet"
)

// ContentType returns the media type of a download format.
func ContentType(format string) string {
	switch format {
	case FormatCSV:
		return "text/csv; charset=utf-8"
	case FormatXLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case FormatParquet:
		return "application/vnd.apache.parquet"
	}
	return "application/octet-stream"
}

// record returns the 12 fields of c as text; value uses a decimal comma (Swedish), nulls are
// empty.
func record(c *snapshot.Cell, decimalComma bool) [12]string {
	var r [12]string
	r[0], r[1], r[2], r[3] = c.Statistic, c.Period, c.AreaLevel, c.AreaCode
	if c.GradeLevel != nil {
		r[4] = strconv.Itoa(*c.GradeLevel)
	}
	r[5], r[6], r[7] = str(c.Subject), str(c.Gender), str(c.Category)
	r[8] = c.Measure
	if c.Value != nil && c.Status == snapshot.StatusShown {
		r[9] = strconv.FormatFloat(*c.Value, 'f', -1, 64)
		if decimalComma {
			r[9] = strings.Replace(r[9], ".", ",", 1)
		}
	}
	r[10], r[11] = c.Display, c.Status
	return r
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// WriteCSV writes cells as Swedish Excel reads them: UTF-8 with a byte order mark, semicolon
// separated, decimal comma, CRLF line ends, a header row.
func WriteCSV(w io.Writer, cells []snapshot.Cell) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("\uFEFF")
	writeCSVRow(bw, Columns)
	for i := range cells {
		r := record(&cells[i], true)
		writeCSVRow(bw, r[:])
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

func writeCSVRow(w *bufio.Writer, fields []string) {
	for i, f := range fields {
		if i > 0 {
			w.WriteByte(';')
		}
		if strings.ContainsAny(f, ";\"\r\n") || (f != "" && strings.ContainsAny(f[:1], "=+-@\t")) && !isNumber(f) {
			w.WriteByte('"')
			w.WriteString(strings.ReplaceAll(f, `"`, `""`))
			w.WriteByte('"')
			continue
		}
		w.WriteString(f)
	}
	w.WriteString("\r\n")
}

// isNumber reports whether f is a plain (possibly negative) number with a decimal comma, which
// needs no formula-injection quoting.
func isNumber(f string) bool {
	_, err := strconv.ParseFloat(strings.Replace(f, ",", ".", 1), 64)
	return err == nil
}

// WriteXLSX writes cells as one worksheet "cells" with a header row; value is a number cell,
// grade_level too, everything else text.
func WriteXLSX(w io.Writer, cells []snapshot.Cell) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "cells"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	header := make([]any, len(Columns))
	for i, c := range Columns {
		header[i] = c
	}
	if err := sw.SetRow("A1", header); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	row := make([]any, len(Columns))
	for i := range cells {
		c := &cells[i]
		r := record(c, false)
		for j := range r {
			row[j] = r[j]
		}
		row[4] = nil
		if c.GradeLevel != nil {
			row[4] = *c.GradeLevel
		}
		row[9] = nil
		if c.Value != nil && c.Status == snapshot.StatusShown {
			row[9] = *c.Value
		}
		cell, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			return fmt.Errorf("write xlsx: %w", err)
		}
		if err := sw.SetRow(cell, row); err != nil {
			return fmt.Errorf("write xlsx: %w", err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	return nil
}

// WriteParquet copies every cell of the snapshot file at snapshotPath, in the published
// format, to a Parquet file at out (DuckDB's COPY, from the read-only snapshot).
func WriteParquet(ctx context.Context, snapshotPath, out string) error {
	db, err := duck.Open(ctx, snapshotPath, duck.Options{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("write parquet: %w", err)
	}
	defer db.Close()
	abs, err := filepath.Abs(out)
	if err != nil {
		return fmt.Errorf("write parquet: %w", err)
	}
	q := fmt.Sprintf(`COPY (SELECT %s FROM cells ORDER BY statistic, area_level, area_code, period,
		grade_level NULLS FIRST, subject NULLS FIRST, gender NULLS FIRST, category NULLS FIRST, measure, cell_id)
		TO '%s' (FORMAT parquet, COMPRESSION zstd)`, strings.Join(Columns, ", "), strings.ReplaceAll(abs, "'", "''"))
	if _, err := db.ExecContext(ctx, q); err != nil {
		os.Remove(abs)
		return fmt.Errorf("write parquet: %w", err)
	}
	return nil
}
