package synth

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/skolstat/skolstat/etl/contract"
)

// gradeCuts are the latent-scale boundaries between F|E|D|C|B|A.
var gradeCuts = [5]float64{-1.58, -0.53, -0.05, 0.62, 1.16}

var gradeLetters = [6]string{"F", "E", "D", "C", "B", "A"}

func letter(z float64) string {
	i := 0
	for i < len(gradeCuts) && z >= gradeCuts[i] {
		i++
	}
	return gradeLetters[i]
}

// tables lists the generators in contract order.
func (g *Generator) tables() []tableGen {
	cols := map[string][]string{}
	for _, t := range contract.Tables() {
		cols[t.Name] = t.ColumnNames()
	}
	gen := func(name string, entities int, newFill func() func(int, *batch)) tableGen {
		return tableGen{name: name, columns: cols[name], entities: entities, newFill: newFill}
	}
	return []tableGen{
		gen(contract.Organisers, len(g.orgs), g.fillOrganisers),
		gen(contract.SchoolUnits, len(g.units), g.fillSchoolUnits),
		gen(contract.Subjects, len(subjects), g.fillSubjects),
		gen(contract.Pupils, g.nPupils, g.fillPupils),
		gen(contract.Placements, g.nPupils, g.fillPlacements),
		gen(contract.Grades, g.nPupils, g.fillGrades),
		gen(contract.NationalTests, g.nPupils, g.fillNationalTests),
		gen(contract.Assessments, g.nPupils, g.fillAssessments),
		gen(contract.Attendance, g.nPupils, g.fillAttendance),
		gen(contract.UsageEvents, len(g.units)+g.nPupils, g.fillUsage),
		gen(contract.Deletions, 0, func() func(int, *batch) { return func(int, *batch) {} }),
	}
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (g *Generator) fillOrganisers() func(int, *batch) {
	return func(e int, b *batch) {
		o := g.orgs[e]
		r := b.row()
		r[0], r[1], r[2], r[3], r[4] = o.id, o.name, o.typ, nullable(o.muni), ts(o.updated)
	}
}

func (g *Generator) fillSchoolUnits() func(int, *batch) {
	return func(e int, b *batch) {
		u := g.units[e]
		r := b.row()
		r[0], r[1], r[2], r[3], r[4] = u.codeV, u.name, g.orgs[u.organiser].id, g.munis[u.muni].code, ts(u.updated)
	}
}

func (g *Generator) fillSubjects() func(int, *batch) {
	return func(e int, b *batch) {
		s := subjects[e]
		r := b.row()
		r[0], r[1], r[2] = s.code, s.sv, s.en
	}
}

func (g *Generator) fillPupils() func(int, *batch) {
	var p pupil
	return func(e int, b *batch) {
		g.life(int(g.order[e]), &p)
		upd := g.asOf.AddDate(0, 0, -int(hash(g.seed, streamMisc, uint64(p.idx))%200))
		r := b.row()
		r[0], r[1], r[2], r[3], r[4] = p.keyV, nullable(p.gender), g.boxes.int(p.birthYear), g.boxes.bool(p.protected), ts(upd)
	}
}

func (g *Generator) fillPlacements() func(int, *batch) {
	var p pupil
	id := int64(0)
	lastYear := len(g.years) - 1
	return func(e int, b *batch) {
		g.life(int(g.order[e]), &p)
		for _, s := range p.stints {
			sy := &g.years[s.year]
			u := &g.units[s.unit]
			id++
			class := 'A' + rune(hash(g.seed, streamMisc, uint64(p.idx), uint64(s.unit))%uint64(u.classes))
			group := fmt.Sprintf("%d%c", s.grade, class)
			if s.grade == 0 {
				group = fmt.Sprintf("F%c", class)
			}
			start := sy.days[s.from]
			var end any
			upd := stockholm(start, 8, 0, 0)
			if !(s.year == lastYear && s.to == len(sy.days)-1 && s.grade < 9) {
				endDay := sy.days[s.to]
				if s.to == len(sy.days)-1 {
					endDay = date(sy.start+1, time.June, 30)
				}
				end = endDay
				upd = stockholm(sy.days[s.to], 18, 0, 0)
			}
			r := b.row()
			r[0], r[1], r[2], r[3], r[4] = id, p.keyV, u.codeV, g.boxes.str(sy.label), g.boxes.int(s.grade)
			r[5], r[6], r[7], r[8] = group, start, end, ts(upd)
		}
	}
}

// gradeLatent is the pupil's standing in subject s at the end of term t (0 HT, 1 VT) of
// school year yi at unit u: ability, the school's effect, the subject's level, the gender gap,
// a lasting pupil–subject component and term-to-term noise.
func (g *Generator) gradeLatent(p *pupil, s, yi, t, u int) float64 {
	subj := subjects[s]
	gender := 0.0
	switch p.gender {
	case "F":
		gender = subj.gender / 2
	case "M":
		gender = -subj.gender / 2
	}
	return 0.9*p.ability + g.units[u].quality + subj.effect + gender +
		0.35*normAt(g.seed, streamPupilSubject, uint64(p.idx), uint64(s)) +
		0.3*normAt(g.seed, streamTermNoise, uint64(p.idx), uint64(s), uint64(yi), uint64(t))
}

// gradedSubjects returns the subjects pupil p is graded in.
func gradedSubjects(p *pupil, buf []int) []int {
	buf = buf[:0]
	if p.sva {
		buf = append(buf, subjSVA)
	} else {
		buf = append(buf, subjSV)
	}
	for s := subjEN; s < subjML; s++ {
		buf = append(buf, s)
	}
	if p.ml {
		buf = append(buf, subjML)
	}
	return buf
}

func (g *Generator) fillGrades() func(int, *batch) {
	var p pupil
	var subs []int
	id := int64(0)
	return func(e int, b *batch) {
		g.life(int(g.order[e]), &p)
		r := rng{s: hash(g.seed, streamLife+100, uint64(p.idx))}
		subs = gradedSubjects(&p, subs)
		noBasis := 0.004
		if p.absence > 0.25 {
			noBasis = 0.08
		}
		for yi := range g.years {
			sy := &g.years[yi]
			for t := 0; t < 2; t++ {
				day := sy.lastDayOfTerm(t)
				st := p.stintAt(yi, day)
				if st == nil || st.grade < 6 {
					continue
				}
				term, reg := sy.ht.label, sy.days[day]
				if t == 1 {
					term = sy.vt.label
				}
				upd := stockholm(reg, 16, int(hash(g.seed, uint64(p.idx), uint64(yi))%60), 0)
				final := st.grade == 9 && t == 1
				for _, s := range subs {
					grade := letter(g.gradeLatent(&p, s, yi, t, st.unit))
					if r.chance(noBasis) {
						grade = "-"
					}
					id++
					row := b.row()
					row[0], row[1], row[2], row[3], row[4] = id, p.keyV, g.units[st.unit].codeV, subjects[s].code, g.boxes.str(term)
					row[5], row[6], row[7], row[8], row[9] = g.boxes.int(st.grade), grade, g.boxes.bool(final), reg, upd
				}
			}
		}
	}
}

// testBias and testSpread: how national test results deviate from the grade, per subject
// (maths the most, and downwards).
func testDeviation(s int) (bias, spread float64) {
	switch s {
	case subjMA:
		return -0.3, 0.55
	case subjSV:
		return 0, 0.28
	case subjSVA:
		return -0.1, 0.35
	case subjEN:
		return 0.15, 0.28
	}
	return -0.05, 0.4
}

// schoolDayOnOrAfter returns the index of the first school day of sy on or after d.
func schoolDayOnOrAfter(sy *schoolYear, d time.Time) int {
	for i, day := range sy.days {
		if !day.Before(d) {
			return i
		}
	}
	return len(sy.days) - 1
}

func (g *Generator) fillNationalTests() func(int, *batch) {
	var p pupil
	id := int64(0)
	return func(e int, b *batch) {
		g.life(int(g.order[e]), &p)
		r := rng{s: hash(g.seed, streamTest, uint64(p.idx))}
		for yi := range g.years {
			sy := &g.years[yi]
			vt := sy.start + 1
			end := len(sy.days) - 1
			st := p.stintAt(yi, end)
			if st == nil || (st.grade != 6 && st.grade != 9) {
				continue
			}
			type test struct {
				s   int
				day time.Time
			}
			sv := subjSV
			if p.sva {
				sv = subjSVA
			}
			tests := []test{{subjEN, date(vt, time.February, 11)}, {sv, date(vt, time.March, 11)}, {subjMA, date(vt, time.May, 6)}}
			if st.grade == 9 {
				h := hash(g.seed, streamMisc, uint64(st.unit), uint64(yi))
				tests = append(tests, test{subjBI + int(h%3), date(vt, time.April, 22)}, test{subjGE + int(h/3%4), date(vt, time.April, 28)})
			}
			missed := 0.03
			if p.absence > 0.2 {
				missed = 0.15
			}
			for _, tt := range tests {
				if r.chance(missed) {
					continue
				}
				d := schoolDayOnOrAfter(sy, tt.day)
				at := p.stintAt(yi, d)
				if at == nil {
					continue
				}
				bias, spread := testDeviation(tt.s)
				z := g.gradeLatent(&p, tt.s, yi, 1, st.unit) + bias + spread*r.norm()
				taken := sy.days[d]
				id++
				row := b.row()
				row[0], row[1], row[2], row[3], row[4] = id, p.keyV, g.units[at.unit].codeV, subjects[tt.s].code, g.boxes.str(sy.label)
				row[5], row[6], row[7], row[8] = g.boxes.int(st.grade), letter(z), taken, ts(stockholm(taken, 20, 0, 0).AddDate(0, 0, 14))
			}
		}
	}
}

var assessmentLevels = [4]string{"not_reached", "E", "C", "A"}

func (g *Generator) fillAssessments() func(int, *batch) {
	var p pupil
	id := int64(0)
	first := max(0, len(g.years)-g.prof.RecentYears)
	return func(e int, b *batch) {
		g.life(int(g.order[e]), &p)
		r := rng{s: hash(g.seed, streamAssessment, uint64(p.idx))}
		for _, st := range p.stints {
			if st.year < first || st.grade < 1 {
				continue
			}
			sy := &g.years[st.year]
			for t := 0; t < 2; t++ {
				lo, hi := 0, sy.htDays-1
				if t == 1 {
					lo, hi = sy.htDays, len(sy.days)-1
				}
				lo, hi = max(lo, st.from), min(hi, st.to)
				if hi-lo < 10 {
					continue
				}
				sv := subjSV
				if p.sva {
					sv = subjSVA
				}
				subs := [4]int{sv, subjMA, subjEN, subjBI + r.intn(subjML-subjBI)}
				n, per := 3, 1
				if st.grade >= 4 {
					n, per = 4, 2
				}
				term := sy.ht.label
				if t == 1 {
					term = sy.vt.label
				}
				for _, s := range subs[:n] {
					for k := 0; k < per; k++ {
						d := lo + r.intn(hi-lo+1)
						progress := float64(d-lo)/float64(hi-lo) - 0.5
						z := g.gradeLatent(&p, s, st.year, t, st.unit) + 0.4*progress + 0.45*r.norm()
						lvl := 0
						switch {
						case z >= 0.85:
							lvl = 3
						case z >= -0.25:
							lvl = 2
						case z >= -1.25:
							lvl = 1
						}
						at := stockholm(sy.days[d], 8+r.intn(8), r.intn(60), r.intn(60))
						id++
						row := b.row()
						row[0], row[1], row[2], row[3], row[4] = id, p.keyV, g.units[st.unit].codeV, subjects[s].code, g.boxes.str(term)
						row[5], row[6], row[7] = assessmentLevels[lvl], at, at.Add(time.Duration(5+r.intn(600))*time.Minute)
					}
				}
			}
		}
	}
}

// seasonAbsence scales daily sickness by month: winter high, late summer low.
var seasonAbsence = [13]float64{0, 1.3, 1.35, 1.2, 1.0, 0.9, 0.8, 0.7, 0.7, 0.85, 1.0, 1.1, 1.15}

// weekdayAbsence scales absence by weekday (Sunday first).
var weekdayAbsence = [7]float64{1, 1.12, 0.95, 0.92, 0.95, 1.1, 1}

// scheduledMinutes is a pupil's scheduled time on a weekday by grade level.
func scheduledMinutes(grade int, wd time.Weekday, unitTweak int) int {
	base := 340
	switch {
	case grade == 0:
		base = 190
	case grade <= 3:
		base = 255
	case grade <= 6:
		base = 300
	}
	switch wd {
	case time.Monday:
		base += 15
	case time.Friday:
		base -= 40
	}
	return base + unitTweak
}

func (g *Generator) fillAttendance() func(int, *batch) {
	var p pupil
	first := max(0, len(g.years)-g.prof.RecentYears)
	return func(e int, b *batch) {
		g.life(int(g.order[e]), &p)
		r := rng{s: hash(g.seed, streamAttendance, uint64(p.idx))}
		sick := false
		units := 0
		for i, st := range p.stints {
			if st.year >= first && (units == 0 || st.unit != p.stints[i-1].unit) {
				units++
			}
		}
		for _, st := range p.stints {
			if st.year < first {
				continue
			}
			sy := &g.years[st.year]
			u := &g.units[st.unit]
			tweak := int(hash(uint64(st.unit))%4) * 5
			s := math.Min(0.85, p.absence*u.absence*(0.85+0.04*float64(st.grade)))
			full := 0.72 * s
			q := 0.5 * full / (1 - full)
			partial := math.Min(0.9, 1.1*s)
			invalidFull := 0.04
			if st.grade >= 7 {
				invalidFull += 0.12
			}
			if s > 0.15 {
				invalidFull += 0.15
			}
			invalidPart := 0.35
			if st.grade >= 7 {
				invalidPart = 0.5
			}
			days, upd := g.boxes.days[st.year], g.boxes.dayUpd[st.year]
			for d := st.from; d <= st.to; d++ {
				day := sy.days[d]
				wd := day.Weekday()
				sched := scheduledMinutes(st.grade, wd, tweak)
				valid, invalid := 0, 0
				if sick {
					sick = r.chance(0.5)
				} else {
					sick = r.chance(math.Min(0.9, q*seasonAbsence[day.Month()]*weekdayAbsence[wd]))
				}
				switch {
				case sick:
					if r.chance(invalidFull) {
						invalid = sched
					} else {
						valid = sched
					}
				case r.chance(partial * weekdayAbsence[wd]):
					m := 10 + r.intn(min(120, sched/2))
					if r.chance(invalidPart) {
						invalid = m
					} else {
						valid = m
					}
				}
				row := b.row()
				row[0], row[1], row[2], row[3] = p.keyV, u.codeV, days[d], g.boxes.int(sched)
				row[4], row[5], row[6] = g.boxes.int(valid), g.boxes.int(invalid), upd[d]
			}
		}
		if units > 1 {
			sortRows(b, 1) // primary-key order: the pupil's rows by school unit, then day
		}
	}
}

// sortRows orders the batch's rows stably by the string in column col.
func sortRows(b *batch, col int) {
	w := b.width
	idx := make([]int, b.rows)
	for i := range idx {
		idx[i] = i
	}
	key := func(i int) string { s, _ := b.vals[i*w+col].(string); return s }
	sort.SliceStable(idx, func(x, y int) bool { return key(idx[x]) < key(idx[y]) })
	sorted := make([]any, b.rows*w)
	for to, from := range idx {
		copy(sorted[to*w:(to+1)*w], b.vals[from*w:(from+1)*w])
	}
	copy(b.vals, sorted)
}
