package auth

import (
	"slices"

	"github.com/skolstat/skolstat/etl/snapshot"
)

// PlatformStatistics are the platform-usage statistics, the only ones platform staff see.
var PlatformStatistics = []string{"active_users", "feature_use"}

// The Visibility interface (principal.go) is extended here by CanSeeArea, which the store's
// filter takes as its Visible function.

type areaKey struct{ level, code string }

// visibility is a resolved set of visible areas and a statistic rule.
type visibility struct {
	all       bool
	areas     map[areaKey]bool
	staffOnly bool
}

// NewVisibility resolves what p may see among areas, denying by default: a principal sees its
// school units and their organisers', municipalities' and the nation's aggregates; an
// organiser its school units and those aggregates (an organiser scope may also be a
// municipality: its school units); an inspector what its scopes name, with the school units
// below a named organiser or municipality, and the nation; platform staff only the nation's
// platform-usage statistics. A scope naming an area that does not exist grants nothing.
func NewVisibility(p Principal, areas []snapshot.Area) Visibility {
	v := &visibility{areas: map[areaKey]bool{}}
	if p.Validate() != nil {
		return v
	}
	exists := make(map[areaKey]snapshot.Area, len(areas))
	for _, a := range areas {
		exists[areaKey{a.Level, a.Code}] = a
	}
	add := func(level, code string) {
		if _, ok := exists[areaKey{level, code}]; ok && code != "" {
			v.areas[areaKey{level, code}] = true
		}
	}
	addParents := func(a snapshot.Area) {
		add(snapshot.LevelOrganiser, a.OrganiserID)
		add(snapshot.LevelMunicipality, a.MunicipalityCode)
	}
	add(snapshot.LevelNation, snapshot.NationCode)
	switch p.Role {
	case RolePlatformStaff:
		v.staffOnly = true
		return v
	case RolePrincipal:
		for _, s := range p.Scopes {
			if s.Level != snapshot.LevelSchoolUnit {
				continue
			}
			if a, ok := exists[areaKey{s.Level, s.Code}]; ok {
				add(a.Level, a.Code)
				addParents(a)
			}
		}
	case RoleOrganiser, RoleInspector:
		for _, s := range p.Scopes {
			switch s.Level {
			case ScopeAll:
				if p.Role == RoleInspector {
					v.all = true
				}
			case snapshot.LevelSchoolUnit:
				if p.Role == RoleInspector {
					add(s.Level, s.Code)
				}
			case snapshot.LevelOrganiser, snapshot.LevelMunicipality:
				parent, ok := exists[areaKey{s.Level, s.Code}]
				if !ok {
					continue
				}
				add(s.Level, s.Code)
				if p.Role == RoleOrganiser && s.Level == snapshot.LevelOrganiser {
					add(snapshot.LevelMunicipality, parent.MunicipalityCode)
				}
				for _, a := range areas {
					if a.Level != snapshot.LevelSchoolUnit {
						continue
					}
					if (s.Level == snapshot.LevelOrganiser && a.OrganiserID == s.Code) ||
						(s.Level == snapshot.LevelMunicipality && a.MunicipalityCode == s.Code) {
						add(a.Level, a.Code)
						if p.Role == RoleOrganiser {
							addParents(a)
						}
					}
				}
			}
		}
	}
	return v
}

// CanSee reports whether the principal may see figures of area.
func (v *visibility) CanSee(a snapshot.Area) bool { return v.CanSeeArea(a.Level, a.Code) }

// CanSeeArea reports whether the principal may see figures of the area of level and code.
func (v *visibility) CanSeeArea(level, code string) bool {
	if v.staffOnly {
		return level == snapshot.LevelNation && v.areas[areaKey{level, code}]
	}
	return v.all || v.areas[areaKey{level, code}]
}

// CanSeeStatistic reports whether the principal may see statistic id at all.
func (v *visibility) CanSeeStatistic(id string) bool {
	if v.staffOnly {
		return slices.Contains(PlatformStatistics, id)
	}
	return v.all || len(v.areas) > 0
}

// VisibleAreas returns the areas of list that v lets its principal see, in list's order.
func VisibleAreas(v Visibility, list []snapshot.Area) []snapshot.Area {
	var out []snapshot.Area
	for _, a := range list {
		if v.CanSee(a) {
			out = append(out, a)
		}
	}
	return out
}
