package reports

import "testing"

func TestStatisticOfKey(t *testing.T) {
	for _, tc := range []struct{ key, want string }{
		{cellKey(HighAbsence, "HT2025", &areaRef{level: "school_unit", code: "79481312"}, 4, "", 2, "high"), HighAbsence},
		{cellKey(GradeDistribution, "VT2025", &areaRef{level: "nation", code: "SE"}, -1, "MA", 0, ""), GradeDistribution},
		{"no-separator", "no-separator"},
	} {
		if got := StatisticOfKey(tc.key); got != tc.want {
			t.Errorf("StatisticOfKey(%q) = %q, want %q", tc.key, got, tc.want)
		}
	}
}

func TestAreaLevelOfKey(t *testing.T) {
	for _, tc := range []struct{ key, want string }{
		{cellKey(HighAbsence, "HT2025", &areaRef{level: "school_unit", code: "79481312"}, 4, "", 2, "high"), "school_unit"},
		{cellKey(GradeDistribution, "VT2025", &areaRef{level: "nation", code: "SE"}, -1, "MA", 0, ""), "nation"},
		{"no-separator", ""},
	} {
		if got := AreaLevelOfKey(tc.key); got != tc.want {
			t.Errorf("AreaLevelOfKey(%q) = %q, want %q", tc.key, got, tc.want)
		}
	}
}
