package charts

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func ptr(v float64) *float64 { return &v }

func TestBuild(t *testing.T) {
	spec := Spec{
		Kind:       KindLine,
		Title:      "Meritvärde",
		Percent:    true,
		Categories: []string{"2022/23", "2023/24", "2024/25"},
		Series: []Series{
			{Name: "Skolan", Points: []Point{{ptr(0.415), "41,5 %", false}, {nil, "..", false}, {ptr(0.5), "50,0 %", false}}},
			{Name: "Riket", Points: []Point{{ptr(0.6), "60,0 %", false}, {nil, "–", true}, {nil, "≥95 %", false}}},
		},
		HiddenName: "för få elever för att redovisas",
	}
	for _, kind := range []Kind{KindLine, KindBar} {
		t.Run(string(kind), func(t *testing.T) {
			spec.Kind = kind
			c, err := Build(spec)
			if err != nil {
				t.Fatal(err)
			}
			var opt struct {
				XAxis []struct {
					BoundaryGap bool     `json:"boundaryGap"`
					Data        []string `json:"data"`
				} `json:"xAxis"`
				Series []struct {
					Type string `json:"type"`
					Name string `json:"name"`
					Data []struct {
						Value interface{} `json:"value"`
					} `json:"data"`
					MarkArea struct {
						Data [][]struct {
							Name  string `json:"name"`
							XAxis string `json:"xAxis"`
						} `json:"data"`
					} `json:"markArea"`
				} `json:"series"`
			}
			if err := json.Unmarshal(c.Option, &opt); err != nil {
				t.Fatalf("option is not JSON: %v", err)
			}
			if got := opt.XAxis[0].Data; strings.Join(got, ",") != "2022/23,2023/24,2024/25" {
				t.Errorf("x axis = %v", got)
			}
			s := opt.Series[0]
			if s.Type != string(kind) || s.Name != "Skolan" {
				t.Errorf("series 0 = %s %q, want %s Skolan", s.Type, s.Name, kind)
			}
			if got := s.Data[0].Value; got != 41.5 {
				t.Errorf("first value = %v, want 41.5 (percent)", got)
			}
			if got := s.Data[1].Value; got != "-" {
				t.Errorf("hidden value = %v, want \"-\" (empty, never 0)", got)
			}
			marks := s.MarkArea.Data
			if len(marks) != 2 || marks[0][0].XAxis != "2023/24" ||
				marks[0][0].Name != "Skolan: .. (för få elever för att redovisas)" {
				t.Errorf("hidden marks = %+v, want a labelled mark over 2023/24 and none for the missing figure", marks)
			}
			if len(marks) == 2 && (marks[1][0].XAxis != "2024/25" || marks[1][0].Name != "Riket: ≥95 %") {
				t.Errorf("coded mark = %+v, want Riket: ≥95 %% over 2024/25", marks[1])
			}
			if !opt.XAxis[0].BoundaryGap {
				t.Error("x axis has no boundary gap: a hidden figure's mark would have no width")
			}
		})
	}
}

func TestBuild_errors(t *testing.T) {
	if _, err := Build(Spec{Kind: KindLine}); !errors.Is(err, ErrNoData) {
		t.Errorf("empty spec: err = %v, want ErrNoData", err)
	}
	_, err := Build(Spec{Kind: KindBar, Categories: []string{"a", "b"}, Series: []Series{{Name: "x", Points: []Point{{}}}}})
	if err == nil {
		t.Error("misaligned series: no error")
	}
}

func TestBuild_hiddenTogether(t *testing.T) {
	c, err := Build(Spec{Kind: KindLine, Categories: []string{"VT2025"}, Series: []Series{
		{Name: "A", Points: []Point{{Display: ".."}}},
		{Name: "B", Points: []Point{{Display: "~100"}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var opt struct {
		Series []struct {
			MarkArea *struct {
				Data [][]struct {
					Name string `json:"name"`
				} `json:"data"`
			} `json:"markArea"`
		} `json:"series"`
	}
	if err := json.Unmarshal(c.Option, &opt); err != nil {
		t.Fatal(err)
	}
	if opt.Series[0].MarkArea == nil || len(opt.Series[0].MarkArea.Data) != 1 {
		t.Fatalf("marks = %+v, want one mark for the category", opt.Series[0].MarkArea)
	}
	if got, want := opt.Series[0].MarkArea.Data[0][0].Name, "A: ..\nB: ~100"; got != want {
		t.Errorf("mark label = %q, want %q (both series, not overlapping labels)", got, want)
	}
	if opt.Series[1].MarkArea != nil {
		t.Error("second series carries its own mark: labels would overlap")
	}
}

func TestBuild_cannotCloseDataBlock(t *testing.T) {
	c, err := Build(Spec{Kind: KindBar, Categories: []string{"</script><script>alert(1)</script>"},
		Series: []Series{{Name: "<!--", Points: []Point{{Value: ptr(1), Display: "1"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if s := string(c.Option); strings.ContainsAny(s, "<>") {
		t.Errorf("option holds < or >: %s; the page inserts it into a <script type=\"application/json\"> block unescaped", s)
	}
}

func TestBuild_formatHint(t *testing.T) {
	cases := []struct {
		name    string
		percent bool
	}{
		{"percent", true},
		{"number", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Build(Spec{Kind: KindLine, Percent: tc.percent, Categories: []string{"VT2025"},
				Series: []Series{{Name: "A", Points: []Point{{Value: ptr(0.125), Display: "12,5 %"}}}}})
			if err != nil {
				t.Fatal(err)
			}
			var opt map[string]json.RawMessage
			if err := json.Unmarshal(c.Option, &opt); err != nil {
				t.Fatal(err)
			}
			var f Format
			if err := json.Unmarshal(opt[FormatKey], &f); err != nil {
				t.Fatalf("option[%q] = %s: %v", FormatKey, opt[FormatKey], err)
			}
			if f.Percent != tc.percent {
				t.Errorf("format hint percent = %v, want %v", f.Percent, tc.percent)
			}
		})
	}
}
