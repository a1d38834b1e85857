package download_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/skolstat/skolstat/dashboards/download"
	"github.com/skolstat/skolstat/etl/snapshot"
)

func TestWriteCSV(t *testing.T) {
	v, neg := 41.5, -2.25
	g := 9
	cat := "=HYPERLINK(\"x\")"
	cells := []snapshot.Cell{
		{Statistic: "s", Period: "VT2025", AreaLevel: "school_unit", AreaCode: "10000001", GradeLevel: &g,
			Measure: "share", Value: &v, Display: "41,5", Status: snapshot.StatusShown},
		{Statistic: "s", Period: "2024/25", AreaLevel: "nation", AreaCode: "SE", Measure: "mean",
			Value: &neg, Display: "-2,25", Status: snapshot.StatusShown},
		{Statistic: "s", Period: "VT2025", AreaLevel: "nation", AreaCode: "SE", Category: &cat, Measure: "count",
			Value: &v, Display: "..", Status: snapshot.StatusSuppressedPrimary},
	}
	var buf bytes.Buffer
	if err := download.WriteCSV(&buf, cells); err != nil {
		t.Fatal(err)
	}
	got := buf.String()
	want := "\uFEFFstatistic;period;area_level;area_code;grade_level;subject;gender;category;measure;value;display;status\r\n" +
		"s;VT2025;school_unit;10000001;9;;;;share;41,5;41,5;shown\r\n" +
		"s;2024/25;nation;SE;;;;;mean;-2,25;-2,25;shown\r\n" +
		"s;VT2025;nation;SE;;;;\"=HYPERLINK(\"\"x\"\")\";count;;..;suppressed_primary\r\n"
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	if strings.Contains(got, "41.5") {
		t.Error("decimal point in output")
	}
}
