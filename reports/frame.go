package reports

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/skolstat/skolstat/anonymize"
	"github.com/skolstat/skolstat/etl/snapshot"
)

// buildStatistic computes one statistic: its rollup, then the full frame of cells per period
// (zero counts included) and the relations within it.
func (b *builder) buildStatistic(ctx context.Context, s *spec, query string) error {
	cats, parts, err := b.categories(ctx, s)
	if err != nil {
		return err
	}
	subjects := []string{""}
	if s.subject {
		subjects = b.subjects
		if s.testSubjects {
			subjects = b.tested
		}
		if len(subjects) == 0 {
			return nil
		}
	}
	var groups map[aggKey]*agg
	if s.nationOnly {
		groups, err = b.readNation(ctx, nationSQL(query, cats), cats)
	} else {
		groups, err = b.readRollup(ctx, s, rollupSQL(s, query, cats, subjects, s.pairs), cats)
	}
	if err != nil {
		return err
	}
	grades := []int{-1}
	if len(s.grades) > 0 {
		grades = slices.Clone(s.grades)
		if s.gradeAll {
			grades = append(grades, -1)
		}
	}
	genders := []uint8{genderAll}
	if s.gender {
		genders = []uint8{genderF, genderM, genderU, genderAll}
	}
	catPos := map[string]int{}
	for i, c := range cats {
		catPos[c] = i
	}
	for _, period := range sortedPeriods(groups) {
		_, sy, end, err := parsePeriod(period)
		if err != nil {
			return err
		}
		bl := &block{spec: s, period: period, base: len(b.cube.Cells), grades: grades,
			subjects: subjects, genders: genders, cats: cats}
		bl.areas, bl.areaPos = b.frameAreas(s, period, sy, groups)
		n := bl.size()
		b.cube.Cells = slices.Grow(b.cube.Cells, n)
		b.cube.meta = slices.Grow(b.cube.meta, n)
		bi := int32(len(b.cube.blocks))
		b.cube.blocks = append(b.cube.blocks, *bl)
		closed := !end.After(b.now)
		placed := b.placed[sy]
		// One backing array holds the block's coordinates (six per cell).
		coords := make([]int32, 0, 6*n)
		for _, area := range bl.areas {
			var mask uint16
			if !s.nationOnly {
				mask = b.areaMask(area, placed, bl.areas)
			}
			for _, g := range grades {
				for si, subj := range subjects {
					for _, x := range genders {
						a := groups[aggKey{period: period, area: area, grade: int8(g), subject: subj, gender: x}]
						if a == nil {
							a = &agg{cats: make([]float64, len(cats)), catGrp: make([]float64, len(cats))}
						}
						vi := int32(-1)
						if s.shape == shapeMean || s.shape == shapeAbsence || s.meanInTotal {
							vi = int32(len(b.cube.vals))
							b.cube.vals = append(b.cube.vals, a.v)
						}
						prefix := cellKey(s.meta.ID, period, &b.cube.areas[area], g, subj, x, "")
						for ci, cat := range cats {
							cell := anonymize.Cell{Group: a.grp, Count: a.total, Internal: x == genderU, Closed: closed}
							if ci > 0 {
								cell.Count = a.cats[ci]
								if s.ownGroup {
									cell.Group = a.catGrp[ci]
								}
								if s.shape == shapeShare {
									cell.Denom = a.total
								}
							}
							cell.Structural = !s.nationOnly && g >= 0 && mask&(1<<g) == 0 && cell.Count == 0
							cell.Key = prefix + cat
							// The cell's place in its table, for protection's hypercube search:
							// every relation within a statistic runs along one of these.
							coords = append(coords, bi, area, int32(g), int32(x), int32(si), int32(ci))
							cell.Coords = coords[len(coords)-6 : len(coords) : len(coords)]
							b.cube.Cells = append(b.cube.Cells, cell)
							m := cellMeta{block: bi, area: area, grade: int8(g), gender: x,
								subject: int16(si), cat: int16(ci) - 1, vi: -1}
							if !s.subject {
								m.subject = -1
							}
							if ci == 0 {
								m.vi = vi
							}
							b.cube.meta = append(b.cube.meta, m)
						}
					}
				}
			}
		}
		b.relate(bl, parts, catPos)
	}
	return nil
}

// frameAreas returns the areas of a period's frame: every school unit with placements in the
// school year (or with units of the statistic), their organisers and municipalities, and the
// nation, in the cube's area order.
func (b *builder) frameAreas(s *spec, period, sy string, groups map[aggKey]*agg) ([]int32, map[int32]int) {
	if s.nationOnly {
		return []int32{0}, map[int32]int{0: 0}
	}
	set := map[int32]bool{0: true}
	add := func(su int32) {
		set[su] = true
		set[b.cube.areas[su].org] = true
		set[b.cube.areas[su].muni] = true
	}
	for su := range b.placed[sy] {
		add(su)
	}
	for k := range groups {
		if k.period == period && b.cube.areas[k.area].level == snapshot.LevelSchoolUnit {
			add(k.area)
		}
	}
	out := make([]int32, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	slices.Sort(out)
	pos := make(map[int32]int, len(out))
	for i, a := range out {
		pos[a] = i
	}
	return out, pos
}

// areaMask returns the grade levels with placements in an area (for an aggregate area, in any
// of its school units of the frame).
func (b *builder) areaMask(area int32, placed map[int32]uint16, frame []int32) uint16 {
	ar := b.cube.areas[area]
	switch ar.level {
	case snapshot.LevelSchoolUnit:
		return placed[area]
	case snapshot.LevelNation:
		var m uint16
		for _, v := range placed {
			m |= v
		}
		return m
	}
	var m uint16
	for _, su := range frame {
		s := b.cube.areas[su]
		if s.level == snapshot.LevelSchoolUnit && (s.org == area || s.muni == area) {
			m |= placed[su]
		}
	}
	return m
}

// relate declares the relations within one block: category partitions, genders, grade levels
// and the area hierarchies.
func (b *builder) relate(bl *block, parts []partition, catPos map[string]int) {
	s := bl.spec
	rel := func(total int, partIdx []int) {
		b.cube.Relations = append(b.cube.Relations, anonymize.Relation{Total: total, Parts: partIdx})
	}
	A, G, S, X, C := len(bl.areas), len(bl.grades), len(bl.subjects), len(bl.genders), len(bl.cats)
	for a := 0; a < A; a++ {
		for g := 0; g < G; g++ {
			for si := 0; si < S; si++ {
				for x := 0; x < X; x++ {
					for _, p := range parts {
						ps := make([]int, len(p.Parts))
						for i, c := range p.Parts {
							ps[i] = bl.index(a, g, si, x, catPos[c])
						}
						rel(bl.index(a, g, si, x, catPos[p.Total]), ps)
					}
					for c := 0; c < C; c++ {
						if s.gender && x == X-1 {
							rel(bl.index(a, g, si, x, c), []int{bl.index(a, g, si, 0, c), bl.index(a, g, si, 1, c), bl.index(a, g, si, 2, c)})
						}
						if s.gradeAll && g == G-1 && G > 1 {
							ps := make([]int, G-1)
							for i := range ps {
								ps[i] = bl.index(a, i, si, x, c)
							}
							rel(bl.index(a, g, si, x, c), ps)
						}
					}
				}
			}
		}
	}
	if s.nationOnly {
		return
	}
	// Area hierarchies: organiser and municipality = their school units; nation = municipalities.
	children := map[int][]int{}
	for pos, area := range bl.areas {
		ar := b.cube.areas[area]
		switch ar.level {
		case snapshot.LevelSchoolUnit:
			children[bl.areaPos[ar.org]] = append(children[bl.areaPos[ar.org]], pos)
			children[bl.areaPos[ar.muni]] = append(children[bl.areaPos[ar.muni]], pos)
		case snapshot.LevelMunicipality:
			children[bl.areaPos[0]] = append(children[bl.areaPos[0]], pos)
		}
	}
	for parent := 0; parent < A; parent++ {
		kids := children[parent]
		if len(kids) == 0 {
			continue
		}
		for g := 0; g < G; g++ {
			for si := 0; si < S; si++ {
				for x := 0; x < X; x++ {
					for c := 0; c < C; c++ {
						ps := make([]int, len(kids))
						for i, k := range kids {
							ps[i] = bl.index(k, g, si, x, c)
						}
						rel(bl.index(parent, g, si, x, c), ps)
					}
				}
			}
		}
	}
}

// linkStatistics declares the equalities between statistics over the same pupils: the year-9
// group of eligibility is that of passed_all_subjects; the group of high_absence is the n of
// absence in the same term.
func (b *builder) linkStatistics() {
	byKey := map[string]*block{}
	for i := range b.cube.blocks {
		bl := &b.cube.blocks[i]
		byKey[bl.spec.meta.ID+"|"+bl.period] = bl
	}
	link := func(fromID, toID string) {
		for i := range b.cube.blocks {
			from := &b.cube.blocks[i]
			if from.spec.meta.ID != fromID {
				continue
			}
			to := byKey[toID+"|"+from.period]
			if to == nil {
				continue
			}
			for a, area := range from.areas {
				ta, ok := to.areaPos[area]
				if !ok {
					continue
				}
				for g, gl := range from.grades {
					tg := slices.Index(to.grades, gl)
					if tg < 0 {
						continue
					}
					for x := range from.genders {
						b.cube.Relations = append(b.cube.Relations, anonymize.Relation{
							Total: to.index(ta, tg, 0, x, 0),
							Parts: []int{from.index(a, g, 0, x, 0)},
						})
					}
				}
			}
		}
	}
	link(Eligibility, PassedAllSubjects)
	link(HighAbsence, Absence)
}

// cellKey is a cell's stable text: statistic|period|area level|area code|grade|subject|gender|
// category, "" for all. It holds dimensions only, never a pupil.
func cellKey(stat, period string, a *areaRef, grade int, subject string, gender uint8, cat string) string {
	g := ""
	if grade >= 0 {
		g = strconv.Itoa(grade)
	}
	return strings.Join([]string{stat, period, a.level, a.code, g, subject, genderCodes[gender], cat}, "|")
}

// StatisticOfKey returns the statistic id a cell key (of a Cube's cells) belongs to.
func StatisticOfKey(key string) string {
	stat, _, _ := strings.Cut(key, "|")
	return stat
}

// AreaLevelOfKey returns the area level (nation, municipality, organiser, school_unit) of a
// cell key of a Cube's cells, or "" when the key has none.
func AreaLevelOfKey(key string) string {
	f := strings.SplitN(key, "|", 4)
	if len(f) < 4 {
		return ""
	}
	return f[2]
}
