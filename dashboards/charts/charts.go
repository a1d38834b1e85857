// Package charts builds the ECharts options of the dashboards' charts with go-echarts, as JSON
// data that the one same-origin script (assets/app.js) draws; no chart carries script.
package charts

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// Kind is the type of a chart.
type Kind string

// The kinds of chart the pages draw.
const (
	KindLine Kind = "line" // a trend over periods
	KindBar  Kind = "bar"  // categories or areas side by side
)

// ErrNoData reports a spec with no categories or no series.
var ErrNoData = errors.New("chart has no data")

// Point is one figure of a series. Value is nil unless the figure is shown; Display is what a
// person sees, in the page's language ("41,5 %" or "41.5%", "..", "≥95 %" or "≥95%").
type Point struct {
	Value   *float64
	Display string
	// Missing marks a figure that is not published at all (no such cell: the combination does
	// not exist), as opposed to one that is hidden; it is a plain gap with no mark.
	Missing bool
}

// Hidden reports whether the point has no plottable value (suppressed, coded or missing).
func (p Point) Hidden() bool { return p.Value == nil }

// Series is one named line or set of bars; Points align with the spec's Categories.
type Series struct {
	Name   string
	Points []Point
}

// Spec describes a chart in terms of the published cells.
type Spec struct {
	Kind       Kind
	Title      string
	YName      string // the axis name, e.g. "Andel (%)"
	Percent    bool   // values are shares 0..1, drawn as percent
	Categories []string
	Series     []Series
	// HiddenName labels the marks that stand where a figure is hidden, e.g.
	// "dold – för få elever för att redovisas".
	HiddenName string
}

// Chart is a built chart: the ECharts option as JSON.
type Chart struct {
	Kind   Kind
	Option json.RawMessage
}

// Build turns a spec into ECharts options with go-echarts. Hidden figures are drawn as gaps
// that carry a labelled mark (never as zero), so a reader sees that a figure is withheld.
func Build(s Spec) (Chart, error) {
	if len(s.Categories) == 0 || len(s.Series) == 0 {
		return Chart{}, ErrNoData
	}
	for _, se := range s.Series {
		if len(se.Points) != len(s.Categories) {
			return Chart{}, fmt.Errorf("build chart %q: series %q has %d points for %d categories",
				s.Title, se.Name, len(se.Points), len(s.Categories))
		}
	}
	global := []charts.GlobalOpts{
		charts.WithTitleOpts(opts.Title{Show: opts.Bool(false), Title: s.Title}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Bottom: "0"}),
		charts.WithAnimation(false),
		charts.WithAriaOpts(&opts.Aria{Enabled: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Data: s.Categories}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: s.YName}),
		charts.WithGridOpts(opts.Grid{Left: "48", Right: "16", Top: "32", Bottom: "64"}),
	}
	// The mark area over hidden figures goes on the first series.
	m := marks(s)
	var option map[string]interface{}
	var axes []opts.XAxis
	switch s.Kind {
	case KindLine:
		c := charts.NewLine()
		c.SetGlobalOptions(global...)
		c.SetXAxis(s.Categories)
		for _, se := range s.Series {
			data := make([]opts.LineData, len(se.Points))
			for i, p := range se.Points {
				data[i] = opts.LineData{Name: p.Display, Value: plotValue(p, s.Percent)}
			}
			c.AddSeries(se.Name, data)
		}
		c.SetSeriesOptions(charts.WithLineChartOpts(opts.LineChart{ConnectNulls: opts.Bool(false), ShowSymbol: opts.Bool(true)}))
		c.Validate()
		c.MultiSeries[0].MarkAreas = m
		option, axes = c.JSON(), c.XAxisList
	case KindBar:
		c := charts.NewBar()
		c.SetGlobalOptions(global...)
		c.SetXAxis(s.Categories)
		for _, se := range s.Series {
			data := make([]opts.BarData, len(se.Points))
			for i, p := range se.Points {
				data[i] = opts.BarData{Name: p.Display, Value: plotValue(p, s.Percent)}
			}
			c.AddSeries(se.Name, data)
		}
		c.Validate()
		c.MultiSeries[0].MarkAreas = m
		option, axes = c.JSON(), c.XAxisList
	default:
		return Chart{}, fmt.Errorf("build chart %q: unknown kind %q", s.Title, s.Kind)
	}
	// go-echarts has no boundaryGap on a category axis: set it so that every category is a
	// band a hidden figure's mark can cover, for lines as for bars.
	if _, ok := option["xAxis"]; ok {
		gapped := make([]categoryAxis, len(axes))
		for i, a := range axes {
			gapped[i] = categoryAxis{XAxis: a, BoundaryGap: true}
		}
		option["xAxis"] = gapped
	}
	// The page's script formats the value axis, labels and tooltips in the page's language
	// (ECharts cannot take a function as JSON); it removes this hint before drawing.
	option[FormatKey] = Format{Percent: s.Percent}
	b, err := json.Marshal(option)
	if err != nil {
		return Chart{}, fmt.Errorf("build chart %q: %w", s.Title, err)
	}
	return Chart{Kind: s.Kind, Option: b}, nil
}

// FormatKey is the option's key of the Format hint for the page's script (assets/app.js).
const FormatKey = "skolstatFormat"

// Format tells the page's script how to format the chart's values: as numbers in the page's
// language (Swedish: decimal comma, space between thousands), and with Percent as percent
// ("12,5 %"; in English "12.5%") of values already scaled to 0–100.
type Format struct {
	Percent bool `json:"percent"`
}

// categoryAxis is go-echarts' x axis with ECharts' boundaryGap, which go-echarts lacks.
type categoryAxis struct {
	opts.XAxis
	BoundaryGap bool `json:"boundaryGap"`
}

// plotValue is the value ECharts plots: "-" (ECharts' empty value) for a hidden figure.
func plotValue(p Point, percent bool) interface{} {
	if p.Value == nil {
		return "-"
	}
	v := *p.Value
	if percent {
		v *= 100
	}
	return round(v)
}

func round(v float64) float64 {
	if v < 0 {
		return -round(-v)
	}
	return float64(int64(v*100+0.5)) / 100
}

// marks returns the mark area (ECharts markArea) that stands over every category where some
// series' figure is hidden, labelled with each such series and its marker ("Skolan: .."), so
// that a reader sees a figure withheld rather than a silent gap or a zero.
func marks(s Spec) *opts.MarkAreas {
	var data []interface{}
	for i, cat := range s.Categories {
		var labels []string
		for _, se := range s.Series {
			p := se.Points[i]
			if !p.Hidden() || p.Missing {
				continue
			}
			label := se.Name + ": " + p.Display
			if s.HiddenName != "" && strings.HasPrefix(p.Display, "..") {
				label += " (" + s.HiddenName + ")"
			}
			labels = append(labels, label)
		}
		if len(labels) == 0 {
			continue
		}
		data = append(data, []opts.MarkAreaData{
			{Name: strings.Join(labels, "\n"), XAxis: cat},
			{XAxis: cat},
		})
	}
	if len(data) == 0 {
		return nil
	}
	return &opts.MarkAreas{
		Data: data,
		MarkAreaStyle: opts.MarkAreaStyle{
			Label:     &opts.Label{Show: opts.Bool(true), Position: "insideTop", Color: "#1f1f1f"},
			ItemStyle: &opts.ItemStyle{Color: "rgba(120,120,120,0.12)", BorderColor: "#595959", BorderWidth: 1},
		},
	}
}
