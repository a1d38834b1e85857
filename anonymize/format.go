package anonymize

import (
	"math"
	"strconv"
	"strings"
)

// FormatNumber formats v the Swedish way with the given number of decimals: a decimal comma
// and a narrow no-break space between thousands ("1 234,5").
func FormatNumber(v float64, decimals int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ".."
	}
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if neg && strings.Trim(s, "0.") != "" {
		b.WriteString("−")
	}
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString("\u202f")
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteByte(',')
		b.WriteString(frac)
	}
	return b.String()
}

// FormatPercent formats a share (0..1) as a Swedish percentage ("41,5 %").
func FormatPercent(share float64, decimals int) string {
	return FormatNumber(share*100, decimals) + "\u00a0%"
}
