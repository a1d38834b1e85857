package anonymize

import (
	"math"
	"strconv"
	"strings"
)

// FormatNumber formats v the Swedish way with the given number of decimals: a decimal comma
// and a narrow no-break space between thousands ("1 234,5").
func FormatNumber(v float64, decimals int) string {
	return formatNumber(v, decimals, "\u202f", ",", "−")
}

// FormatNumberEnglish formats v the English way: a decimal point and a comma between
// thousands ("1,234.5").
func FormatNumberEnglish(v float64, decimals int) string {
	return formatNumber(v, decimals, ",", ".", "-")
}

// formatNumber writes v with decimals decimals, the thousands separator group, the decimal
// point and the minus sign; a negative value that rounds to zero has no sign, and a value
// that is not a number is "..".
func formatNumber(v float64, decimals int, group, point, minus string) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ".."
	}
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if neg && strings.Trim(s, "0.") != "" {
		b.WriteString(minus)
	}
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString(point)
		b.WriteString(frac)
	}
	return b.String()
}

// FormatPercent formats a share (0..1) as a Swedish percentage ("41,5 %").
func FormatPercent(share float64, decimals int) string {
	return FormatNumber(share*100, decimals) + "\u00a0%"
}
