package dashboards

import (
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/skolstat/skolstat/dashboards/auth"
	"github.com/skolstat/skolstat/dashboards/store"
	"github.com/skolstat/skolstat/etl/snapshot"
)

// appendCellsJSON encodes the cells answer by hand: it is the hot path of the API.
//
//	{"statistic":…,"run_id":…,"extracted_at":…,"returned":n,"hidden":n,"cells":[{"period":…,…}]}
func appendCellsJSON(b []byte, snap *store.Snapshot, id string, cells []snapshot.Cell) []byte {
	hidden := 0
	for i := range cells {
		if cells[i].Status != snapshot.StatusShown {
			hidden++
		}
	}
	m := snap.Meta()
	b = append(b, `{"statistic":`...)
	b = appendString(b, id)
	b = append(b, `,"run_id":`...)
	b = appendString(b, m.RunID)
	b = append(b, `,"extracted_at":`...)
	b = appendString(b, m.ExtractedAt.UTC().Format(time.RFC3339))
	b = append(b, `,"returned":`...)
	b = strconv.AppendInt(b, int64(len(cells)), 10)
	b = append(b, `,"hidden":`...)
	b = strconv.AppendInt(b, int64(hidden), 10)
	b = append(b, `,"cells":[`...)
	for i := range cells {
		c := &cells[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"period":`...)
		b = appendString(b, c.Period)
		b = append(b, `,"area_level":`...)
		b = appendString(b, c.AreaLevel)
		b = append(b, `,"area_code":`...)
		b = appendString(b, c.AreaCode)
		b = append(b, `,"grade_level":`...)
		if c.GradeLevel == nil {
			b = append(b, "null"...)
		} else {
			b = strconv.AppendInt(b, int64(*c.GradeLevel), 10)
		}
		b = append(b, `,"subject":`...)
		b = appendNullString(b, c.Subject)
		b = append(b, `,"gender":`...)
		b = appendNullString(b, c.Gender)
		b = append(b, `,"category":`...)
		b = appendNullString(b, c.Category)
		b = append(b, `,"measure":`...)
		b = appendString(b, c.Measure)
		b = append(b, `,"value":`...)
		if c.Value == nil || c.Status != snapshot.StatusShown || math.IsNaN(*c.Value) || math.IsInf(*c.Value, 0) {
			b = append(b, "null"...)
		} else {
			b = strconv.AppendFloat(b, *c.Value, 'g', -1, 64)
		}
		b = append(b, `,"display":`...)
		b = appendString(b, c.Display)
		b = append(b, `,"status":`...)
		b = appendString(b, c.Status)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

func appendNullString(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendString(b, *s)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaping quotes, backslashes, control characters,
// HTML-significant characters and invalid UTF-8.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else if r == '\u2028' || r == '\u2029' {
			b = append(b, `\u202`...)
			b = append(b, hexDigits[r&0xf])
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// visCache remembers each principal's resolved visibility for the current snapshot.
type visCache struct {
	mu   sync.RWMutex
	snap *store.Snapshot
	m    map[string]auth.Visibility
}

const visCacheMax = 4096

func (vc *visCache) get(p auth.Principal, snap *store.Snapshot) auth.Visibility {
	key := string(p.Role) + "\x00" + p.Subject + "\x00" + strings.Join(p.ScopeStrings(), " ")
	vc.mu.RLock()
	if vc.snap == snap {
		if v, ok := vc.m[key]; ok {
			vc.mu.RUnlock()
			return v
		}
	}
	vc.mu.RUnlock()
	v := auth.NewVisibility(p, snap.Areas())
	vc.mu.Lock()
	if vc.snap != snap || len(vc.m) >= visCacheMax {
		vc.snap, vc.m = snap, map[string]auth.Visibility{}
	}
	vc.m[key] = v
	vc.mu.Unlock()
	return v
}
