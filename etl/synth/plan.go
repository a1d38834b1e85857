package synth

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// Random streams: each kind of row draws from its own stream so that every table can be
// generated on its own and still agree with the others.
const (
	streamPlan = iota + 1
	streamLife
	streamAttendance
	streamAssessment
	streamUsage
	streamPupilSubject
	streamTermNoise
	streamTest
	streamKey
	streamCohort
	streamMisc
)

// organiser is a huvudman.
type organiser struct {
	id, name, typ, muni string // muni is empty (null) for an independent organiser
	updated             time.Time
}

// unit is a school unit (skolenhet).
type unit struct {
	code, name string
	organiser  int
	muni       int // index into Generator.munis
	lo, hi     int // grade span: 0–9, 0–6 or 7–9
	perGrade   float64
	next       int // the 7–9 unit an F–6 unit's pupils move on to, else -1
	quality    float64
	absence    float64 // multiplies pupils' absence
	classes    int
	staff      int
	updated    time.Time
	codeV      any // code, boxed once
}

func (u *unit) covers(grade int) bool { return grade >= u.lo && grade <= u.hi }

// cohortGroup is the pupils of one birth year who started at one origin unit.
type cohortGroup struct {
	unit, birthYear int
	start, n        int // pupil indexes [start, start+n)
}

// Generator is a planned synthetic school system; its tables are generated on demand.
type Generator struct {
	opts    Options
	prof    Profile
	seed    uint64
	years   []schoolYear
	munis   []municipality
	orgs    []organiser
	units   []unit
	cover   [][10][]int // per municipality and grade level: units teaching it
	groups  []cohortGroup
	nPupils int
	order   []int32 // pupil indexes in pupil_key order, so tables load in primary-key order
	asOf    time.Time
	keySalt uint64
	boxes   boxes
}

// New plans the school system of opts: municipalities, organisers, school units and pupil
// cohorts. Rows are generated later, table by table, in bounded memory.
func New(opts Options) (*Generator, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	prof, _ := lookupProfile(opts.Profile)
	scale := opts.Scale
	if scale == 0 {
		scale = 1
	}
	g := &Generator{opts: opts, prof: prof, seed: uint64(opts.Seed)}
	g.keySalt = hash(g.seed, streamKey)
	for y := prof.FirstYear; y <= prof.LastYear; y++ {
		g.years = append(g.years, newSchoolYear(y))
	}
	g.asOf = time.Date(prof.LastYear+1, time.June, 30, 2, 0, 0, 0, time.UTC)
	if len(prof.Municipalities) == 0 {
		g.munis = append(g.munis, municipalities...)
	} else {
		for _, code := range prof.Municipalities {
			g.munis = append(g.munis, findMunicipality(code))
		}
	}
	total := 0.0
	for _, m := range g.munis {
		total += m.weight
	}
	r := newRNG(g.seed, streamPlan)
	g.cover = make([][10][]int, len(g.munis))
	chainIdx := make([]int, len(chains))
	for i := range chainIdx {
		chainIdx[i] = -1
	}
	usedCodes := map[string]bool{}
	for mi, m := range g.munis {
		pupils := float64(prof.Pupils) * scale * m.weight / total
		g.planMunicipality(r, mi, pupils, chainIdx, usedCodes)
	}
	g.planPupils()
	if g.nPupils == 0 {
		return nil, fmt.Errorf("profile %s at scale %v has no pupils", prof.Name, scale)
	}
	g.order = make([]int32, g.nPupils)
	for i := range g.order {
		g.order[i] = int32(i)
	}
	sort.Slice(g.order, func(a, b int) bool {
		return mix(g.keySalt^uint64(g.order[a])) < mix(g.keySalt^uint64(g.order[b]))
	})
	g.boxes = newBoxes(g)
	return g, nil
}

// planMunicipality adds the municipal organiser and the school units of one municipality
// with about pupils pupils per school year.
func (g *Generator) planMunicipality(r *rng, mi int, pupils float64, chainIdx []int, usedCodes map[string]bool) {
	m := g.munis[mi]
	perGrade := pupils / 10
	sz := g.prof.Sizes
	munOrg := len(g.orgs)
	g.orgs = append(g.orgs, organiser{id: "K" + m.code, name: m.name + " kommun", typ: "municipal", muni: m.code,
		updated: g.orgUpdated(len(g.orgs))})
	usedStems := map[string]int{}
	add := func(org, lo, hi int, size float64, kind string) int {
		u := unit{organiser: org, muni: mi, lo: lo, hi: hi, perGrade: size, next: -1}
		for {
			u.code = fmt.Sprintf("%08d", 10000000+r.intn(90000000))
			if !usedCodes[u.code] {
				usedCodes[u.code] = true
				break
			}
		}
		stem := nameStems[r.intn(len(nameStems))]
		usedStems[stem]++
		switch {
		case kind != "":
			u.name = stem + "skolan " + kind
		case r.chance(0.5):
			u.name = stem + "skolan"
		default:
			u.name = stem + "s skola"
		}
		if n := usedStems[stem]; n > 1 {
			u.name += fmt.Sprintf(" %d", n)
		}
		if len(g.munis) > 1 {
			u.name += ", " + m.name
		}
		u.quality = 0.28 * r.norm()
		if g.orgs[org].typ == "independent" {
			u.quality += 0.1
		}
		u.absence = math.Exp(0.2 * r.norm())
		u.updated = g.orgUpdated(len(g.units) + 1000)
		g.units = append(g.units, u)
		return len(g.units) - 1
	}
	fill := func(target, lo, hi float64, org, glo, ghi int, out *[]int) {
		for target > 0.5 {
			size := (lo + (hi-lo)*math.Pow(r.float(), 1.5)) * sz
			if size > target || target-size < lo*sz*0.5 {
				size = target
			}
			u := add(org, glo, ghi, size, "")
			if out != nil {
				*out = append(*out, u)
			}
			target -= size
		}
	}
	independent := perGrade * g.prof.IndependentShare
	if independent < 8 {
		independent = 0
	}
	municipal := perGrade - independent
	var feeders []int
	if municipal < 30 {
		add(munOrg, 0, 9, math.Max(municipal, 1), "")
	} else {
		for i := 0; i < 1+int(municipal/800); i++ { // small rural units
			size := float64(r.between(3, 9))
			feeders = append(feeders, add(munOrg, 0, 6, size, ""))
			municipal -= size
		}
		fill(municipal*0.5, 30, 110, munOrg, 0, 6, &feeders)
		fill(municipal*0.5, 60, 150, munOrg, 0, 9, nil)
	}
	if independent > 0 {
		nLocal := 1 + int(independent/120)
		local := make([]int, nLocal)
		for i := range local {
			local[i] = -1
		}
		for target := independent; target > 0.5; {
			size := (25 + 65*math.Pow(r.float(), 1.5)) * sz
			if size > target || target-size < 12*sz {
				size = target
			}
			var org int
			if c := r.intn(len(chains) * 3); c < len(chains) {
				if chainIdx[c] < 0 {
					chainIdx[c] = len(g.orgs)
					g.orgs = append(g.orgs, organiser{id: fmt.Sprintf("E%010d", 5560000000+int64(len(g.orgs))*104729),
						name: chains[c], typ: "independent", updated: g.orgUpdated(len(g.orgs))})
				}
				org = chainIdx[c]
			} else {
				l := r.intn(nLocal)
				if local[l] < 0 {
					local[l] = len(g.orgs)
					stem := organiserStems[r.intn(len(organiserStems))]
					g.orgs = append(g.orgs, organiser{id: fmt.Sprintf("E%010d", 5560000000+int64(len(g.orgs))*104729),
						name: fmt.Sprintf("%sskolan i %s AB", stem, m.name), typ: "independent", updated: g.orgUpdated(len(g.orgs))})
				}
				org = local[l]
			}
			if len(feeders) > 0 && r.chance(0.3) {
				feeders = append(feeders, add(org, 0, 6, size, ""))
			} else {
				add(org, 0, 9, size, "")
			}
			target -= size
		}
	}
	// Pupils of F–6 units continue in year 7 at a municipal 7–9 unit.
	for i := 0; i < len(feeders); {
		capacity := float64(r.between(100, 250)) * sz
		u := add(munOrg, 7, 9, 0, "7–9")
		for sum := 0.0; i < len(feeders) && (sum == 0 || sum+g.units[feeders[i]].perGrade <= capacity); i++ {
			sum += g.units[feeders[i]].perGrade
			g.units[feeders[i]].next = u
		}
	}
	// Sizes, classes and staff.
	for ui := range g.units {
		u := &g.units[ui]
		if u.muni != mi {
			continue
		}
		if u.next >= 0 {
			g.units[u.next].perGrade += u.perGrade
		}
	}
	for ui := range g.units {
		u := &g.units[ui]
		if u.muni != mi {
			continue
		}
		u.classes = max(1, int(math.Ceil(u.perGrade/26)))
		u.staff = max(3, int(u.perGrade*float64(u.hi-u.lo+1)/11))
		u.codeV = u.code
		for gr := u.lo; gr <= u.hi; gr++ {
			g.cover[mi][gr] = append(g.cover[mi][gr], ui)
		}
	}
}

// orgUpdated is a deterministic updated_at for organisers and units.
func (g *Generator) orgUpdated(i int) time.Time {
	d := int(hash(g.seed, streamMisc, uint64(i)) % 300)
	return time.Date(g.prof.FirstYear, time.August, 1, 3, 0, 0, 0, time.UTC).AddDate(0, 0, d)
}

// planPupils lays out the cohorts: every origin unit (one that teaches the preschool class)
// takes about perGrade pupils of each birth year that is in grades 0–9 during the profile.
func (g *Generator) planPupils() {
	first := g.prof.FirstYear - 15
	last := g.prof.LastYear - 6
	for ui, u := range g.units {
		if u.lo != 0 {
			continue
		}
		for by := first; by <= last; by++ {
			n := int(math.Round(u.perGrade * (1 + 0.08*normAt(g.seed, streamCohort, uint64(ui), uint64(by)))))
			if n < 1 {
				n = 1
			}
			g.groups = append(g.groups, cohortGroup{unit: ui, birthYear: by, start: g.nPupils, n: n})
			g.nPupils += n
		}
	}
}

// Pupils is the number of distinct pupils over all school years.
func (g *Generator) Pupils() int { return g.nPupils }

// SchoolUnits is the number of school units.
func (g *Generator) SchoolUnits() int { return len(g.units) }

// SchoolYears lists the school years, e.g. 2024/25 and 2025/26.
func (g *Generator) SchoolYears() []string {
	out := make([]string, len(g.years))
	for i, y := range g.years {
		out[i] = y.label
	}
	return out
}

// pupil is one pupil's life through the profile's school years.
type pupil struct {
	idx                int
	key                string
	keyV               any
	gender             string // "" is unknown (null)
	birthYear          int
	protected, sva, ml bool
	ability, absence   float64
	origin             int
	stints             []stint
}

// stint is a pupil's time at one unit within one school year: days [from, to] of the year.
type stint struct {
	year, grade, unit int
	from, to          int
}

// pupilKey is the pupil's opaque pseudonym: a bijection of its index, so keys never collide.
func (g *Generator) pupilKey(idx int) string {
	return fmt.Sprintf("%016x", mix(g.keySalt^uint64(idx)))
}

// userKey is the opaque key of a platform user (kind 1 staff, 2 guardian, 3 pupil).
func (g *Generator) userKey(kind, id uint64) string {
	return fmt.Sprintf("u%015x", mix(g.keySalt^(kind<<56|id))&(1<<60-1))
}

// life fills p with pupil idx: who they are and where they go to school each year.
func (g *Generator) life(idx int, p *pupil) {
	gi := sort.Search(len(g.groups), func(i int) bool { return g.groups[i].start+g.groups[i].n > idx })
	grp := g.groups[gi]
	r := rng{s: hash(g.seed, streamLife, uint64(idx))}
	*p = pupil{idx: idx, birthYear: grp.birthYear, origin: grp.unit, stints: p.stints[:0]}
	p.key = g.pupilKey(idx)
	p.keyV = p.key
	switch u := r.float(); {
	case u < 0.003:
		p.gender = ""
	case u < 0.49:
		p.gender = "F"
	default:
		p.gender = "M"
	}
	p.protected = r.chance(0.002)
	p.sva = r.chance(0.08)
	p.ability = r.norm()
	if p.sva {
		p.ability -= 0.3
	}
	p.absence = math.Exp(math.Log(0.042) + 0.8*r.norm())
	p.ml = r.chance(math.Min(0.97, 0.86+0.07*p.ability-b2f(p.sva)*0.2))
	cur := -1
	mi := g.units[grp.unit].muni
	for yi := range g.years {
		sy := &g.years[yi]
		grade := sy.start - p.birthYear - 6
		if grade < 0 || grade > 9 {
			continue
		}
		switch {
		case cur < 0:
			cur = grp.unit
			if !g.units[cur].covers(grade) {
				cur = g.nextUnit(cur, mi, grade, &r)
			}
		case !g.units[cur].covers(grade):
			cur = g.nextUnit(cur, mi, grade, &r)
		case r.chance(0.03): // moved over the summer
			cur = g.otherUnit(cur, mi, grade, &r)
		}
		last := len(sy.days) - 1
		if r.chance(0.025) { // moves during the school year
			d := 15 + r.intn(len(sy.days)-30)
			if v := g.otherUnit(cur, mi, grade, &r); v != cur {
				p.stints = append(p.stints, stint{year: yi, grade: grade, unit: cur, from: 0, to: d - 1})
				cur = v
				p.stints = append(p.stints, stint{year: yi, grade: grade, unit: cur, from: d, to: last})
				continue
			}
		}
		p.stints = append(p.stints, stint{year: yi, grade: grade, unit: cur, from: 0, to: last})
	}
}

// nextUnit is where a pupil of unit cur goes on to for grade.
func (g *Generator) nextUnit(cur, mi, grade int, r *rng) int {
	if n := g.units[cur].next; n >= 0 && g.units[n].covers(grade) {
		return n
	}
	return g.otherUnit(cur, mi, grade, r)
}

// otherUnit draws another unit of municipality mi that teaches grade, weighted by size.
func (g *Generator) otherUnit(cur, mi, grade int, r *rng) int {
	cands := g.cover[mi][grade]
	if len(cands) == 0 {
		return cur
	}
	total := 0.0
	for _, c := range cands {
		if c != cur {
			total += g.units[c].perGrade
		}
	}
	if total == 0 {
		return cur
	}
	x := r.float() * total
	for _, c := range cands {
		if c == cur {
			continue
		}
		if x < g.units[c].perGrade {
			return c
		}
		x -= g.units[c].perGrade
	}
	return cands[len(cands)-1]
}

// stintAt returns the stint of year yi that covers day index d, or nil.
func (p *pupil) stintAt(yi, d int) *stint {
	for i := range p.stints {
		s := &p.stints[i]
		if s.year == yi && d >= s.from && d <= s.to {
			return s
		}
	}
	return nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
