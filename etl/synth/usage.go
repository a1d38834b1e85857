package synth

import (
	"time"
)

// role describes how one kind of platform user behaves during a week.
type role struct {
	name         string
	kind         uint64
	active       float64    // chance to be active in a week with school
	holiday      float64    // the same in a week without school
	moreSessions float64    // chance of one more session, repeatedly
	weekdays     [7]float64 // weight per weekday, Sunday first
	hours        []float64  // weight per hour 0..23
	devices      []float64  // computer, mobile, tablet
	events       []float64  // weights of eventTypes after the login
}

var devices = []string{"computer", "mobile", "tablet"}

var eventTypes = []string{"view", "submit", "message", "calendar", "assessment", "attendance_report", "document"}

func hoursOf(spans ...[3]float64) []float64 {
	h := make([]float64, 24)
	for _, s := range spans {
		for i := int(s[0]); i < int(s[1]); i++ {
			h[i] += s[2]
		}
	}
	return h
}

var (
	staffRole = role{name: "staff", kind: 1, active: 0.92, holiday: 0.25, moreSessions: 0.5,
		weekdays: [7]float64{0.1, 1, 1, 1, 1, 0.8, 0.05},
		hours:    hoursOf([3]float64{7, 17, 1}, [3]float64{19, 22, 0.15}),
		devices:  []float64{0.8, 0.15, 0.05},
		events:   []float64{0.4, 0, 0.2, 0.1, 0.15, 0.15, 0.05}}
	guardianRole = role{name: "guardian", kind: 2, active: 0.2, holiday: 0.06, moreSessions: 0.2,
		weekdays: [7]float64{1.2, 1, 0.9, 0.9, 0.9, 0.8, 0.6},
		hours:    hoursOf([3]float64{6, 9, 0.6}, [3]float64{9, 17, 0.2}, [3]float64{17, 23, 1}),
		devices:  []float64{0.25, 0.7, 0.05},
		events:   []float64{0.45, 0, 0.2, 0.15, 0, 0.2, 0.05}}
	pupilRole = role{name: "pupil", kind: 3, active: 0.3, holiday: 0.03, moreSessions: 0.3,
		weekdays: [7]float64{0.3, 1, 1, 1, 1, 0.9, 0.1},
		hours:    hoursOf([3]float64{8, 15, 1}, [3]float64{15, 21, 0.25}),
		devices:  []float64{0.6, 0.15, 0.25},
		events:   []float64{0.45, 0.3, 0.1, 0.15, 0, 0, 0}}
)

// usageDay is one calendar day of the usage window.
type usageDay struct {
	date   time.Time
	school bool
	year   int // school year index, -1 outside the school years
	day    int // index of this or the latest earlier school day of that year
}

// usageWindow lays out the last UsageWeeks whole weeks up to the end of the last school year.
func (g *Generator) usageWindow() [][7]usageDay {
	last := &g.years[len(g.years)-1]
	end := last.days[len(last.days)-1]
	for end.Weekday() != time.Sunday {
		end = end.AddDate(0, 0, 1)
	}
	start := end.AddDate(0, 0, -7*g.prof.UsageWeeks+1)
	index := map[time.Time][2]int{}
	for yi := range g.years {
		for d, day := range g.years[yi].days {
			index[day] = [2]int{yi, d}
		}
	}
	weeks := make([][7]usageDay, g.prof.UsageWeeks)
	prev := [2]int{-1, 0}
	for i := range weeks {
		for k := 0; k < 7; k++ {
			d := start.AddDate(0, 0, 7*i+k)
			ud := usageDay{date: d, year: prev[0], day: prev[1]}
			if at, ok := index[d]; ok {
				ud.school, ud.year, ud.day = true, at[0], at[1]
				prev = at
			}
			weeks[i][int(d.Weekday())] = ud
		}
	}
	return weeks
}

func (g *Generator) fillUsage() func(int, *batch) {
	weeks := g.usageWindow()
	var p pupil
	id := int64(0)
	lastYear := len(g.years) - 1
	emit := func(b *batch, r *rng, ro *role, user any, unitAt func(usageDay) any) {
		for _, week := range weeks {
			school := false
			for _, d := range week {
				school = school || d.school
			}
			chance := ro.active
			if !school {
				chance = ro.holiday
			}
			if !r.chance(chance) {
				continue
			}
			for {
				day := week[r.pick(ro.weekdays[:])]
				at := stockholm(day.date, r.pick(ro.hours), r.intn(60), r.intn(60))
				device := devices[r.pick(ro.devices)]
				unit := unitAt(day)
				n := r.intn(3) // events after the login
				for k := 0; k <= n; k++ {
					typ, code := "login", any(nil)
					if k > 0 {
						typ, code = eventTypes[r.pick(ro.events)], unit
						at = at.Add(time.Duration(20+r.intn(300)) * time.Second)
					} else if ro.kind != guardianRole.kind {
						code = unit
					}
					id++
					row := b.row()
					row[0], row[1], row[2], row[3], row[4], row[5], row[6] = id, user, ro.name, code, typ, device, at
				}
				if !r.chance(ro.moreSessions) {
					break
				}
			}
		}
	}
	return func(e int, b *batch) {
		if e < len(g.units) {
			u := &g.units[e]
			for k := 0; k < u.staff; k++ {
				r := rng{s: hash(g.seed, streamUsage, 1, uint64(e), uint64(k))}
				user := g.userKey(1, uint64(e)<<20|uint64(k))
				emit(b, &r, &staffRole, user, func(usageDay) any { return u.codeV })
			}
			return
		}
		idx := int(g.order[e-len(g.units)])
		g.life(idx, &p)
		var lastGrade = -1
		for _, st := range p.stints {
			if st.year == lastYear {
				lastGrade = st.grade
			}
		}
		if lastGrade < 0 {
			return
		}
		unitAt := func(d usageDay) any {
			if d.year < 0 {
				return nil
			}
			if st := p.stintAt(d.year, d.day); st != nil {
				return g.units[st.unit].codeV
			}
			return nil
		}
		r := rng{s: hash(g.seed, streamUsage, 2, uint64(idx))}
		guardians := 1
		if r.chance(0.6) {
			guardians = 2
		}
		for k := 0; k < guardians; k++ {
			emit(b, &r, &guardianRole, g.userKey(2, uint64(idx)<<1|uint64(k)), unitAt)
		}
		if lastGrade >= 4 {
			emit(b, &r, &pupilRole, g.userKey(3, uint64(idx)), unitAt)
		}
	}
}
