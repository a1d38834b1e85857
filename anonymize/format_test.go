package anonymize

import "testing"

func TestFormatNumber(t *testing.T) {
	tests := []struct {
		v    float64
		dec  int
		want string
	}{
		{12, 0, "12"},
		{41.5, 1, "41,5"},
		{1234.5, 1, "1\u202f234,5"},
		{1234567, 0, "1\u202f234\u202f567"},
		{-3.25, 2, "−3,25"},
		{-0.001, 1, "0,0"},
		{999, 0, "999"},
	}
	for _, tt := range tests {
		if got := FormatNumber(tt.v, tt.dec); got != tt.want {
			t.Errorf("FormatNumber(%v, %d) = %q, want %q", tt.v, tt.dec, got, tt.want)
		}
	}
	if got, want := FormatPercent(0.415, 1), "41,5\u00a0%"; got != want {
		t.Errorf("FormatPercent(0.415, 1) = %q, want %q", got, want)
	}
}
