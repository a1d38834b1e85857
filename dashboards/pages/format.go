package pages

import (
	"strconv"
	"strings"

	"github.com/skolstat/skolstat/anonymize"
	"github.com/skolstat/skolstat/etl/snapshot"
)

// The page's number formats. A snapshot's display column is Swedish ("1 234,5", "41,5 %",
// "≥95 %"); a Swedish page prints it as published. An English page prints the same figure, to
// the same number of decimals, the way the charts' script formats English numbers
// (Intl.NumberFormat "en-GB"): "1,234.5", "41.5%", "≥95%". The markers ".." (hidden) and "–"
// (nothing to report) are the same in both languages.

// figureText is what a page in lang prints for cell c: its published display on a Swedish page;
// on an English page a shown figure is formatted from its value, a coded one from its band, and
// a hidden or missing one keeps its marker.
func figureText(lang Lang, c snapshot.Cell) string {
	if lang != English {
		return c.Display
	}
	switch {
	case c.Status == snapshot.StatusShown && c.Value != nil:
		return englishValue(*c.Value, c.Measure == "share", publishedDecimals(c.Display, c.Measure))
	case c.Status == snapshot.StatusCoded:
		return englishBand(c.Display)
	}
	return c.Display
}

// englishValue formats a shown value in English: a share (0..1) as percent, "41.5%"; any other
// figure as a number, "1,234.5".
func englishValue(v float64, share bool, decimals int) string {
	if share {
		return englishNumber(v*100, decimals) + "%"
	}
	return englishNumber(v, decimals)
}

// englishBand converts a coded cell's Swedish band label ("≥95 %", "≤2,5 %", "~100") to English
// ("≥95%", "≤2.5%", "~100"). A label it cannot read is returned unchanged.
func englishBand(label string) string {
	f, ok := parseDisplay(label)
	if !ok {
		return label
	}
	s := f.prefix + englishNumber(f.number, f.decimals)
	if f.percent {
		s += "%"
	}
	return s
}

// publishedDecimals is the number of decimals the Swedish display shows ("41,5 %" → 1,
// "12" → 0), so that both languages print a figure to the same precision; when the display
// holds no number, the precision the reports publish the measure with.
func publishedDecimals(display, measure string) int {
	if f, ok := parseDisplay(display); ok {
		return f.decimals
	}
	if measure == "share" || measure == "mean" {
		return 1
	}
	return 0
}

// englishNumber formats v with decimals decimals, a decimal point and a comma between
// thousands: "12,345.6". A negative value that rounds to zero is "0", not "-0".
func englishNumber(v float64, decimals int) string {
	return anonymize.FormatNumberEnglish(v, decimals)
}

// displayFigure is a Swedish display taken apart: "≥95 %" is prefix "≥", number 95, no
// decimals, percent.
type displayFigure struct {
	prefix   string // "≥", "≤", "~", "<", ">" or ""
	number   float64
	decimals int
	percent  bool
}

// bandPrefixes are the signs a band or a near-value label starts with.
const bandPrefixes = "≥≤~<>"

// isSpace reports the spaces a Swedish display uses: a space, a no-break space (before "%") and
// a narrow no-break space (between thousands).
func isSpace(r rune) bool { return r == ' ' || r == '\u00a0' || r == '\u202f' }

// parseDisplay reads a Swedish display: an optional band prefix, a number with a decimal comma
// and spaces between thousands, and an optional percent sign. ok is false for anything else,
// such as ".." or "–".
func parseDisplay(s string) (f displayFigure, ok bool) {
	s = strings.TrimFunc(s, isSpace)
	if rest, found := strings.CutSuffix(s, "%"); found {
		f.percent = true
		s = strings.TrimRightFunc(rest, isSpace)
	}
	rest := strings.TrimLeft(s, bandPrefixes)
	f.prefix = s[:len(s)-len(rest)]
	var num strings.Builder
	for i, r := range rest {
		switch {
		case r >= '0' && r <= '9':
			num.WriteRune(r)
		case r == ',':
			num.WriteByte('.')
		case (r == '−' || r == '-') && i == 0:
			num.WriteByte('-')
		case isSpace(r):
		default:
			return displayFigure{}, false
		}
	}
	n := num.String()
	if strings.Trim(n, "-.") == "" {
		return displayFigure{}, false
	}
	v, err := strconv.ParseFloat(n, 64)
	if err != nil {
		return displayFigure{}, false
	}
	f.number = v
	if _, frac, found := strings.Cut(n, "."); found {
		f.decimals = len(frac)
	}
	return f, true
}
