// Package auth signs users in (OpenID Connect for browsers, bearer tokens for the API, signed
// development tokens for the demo) and decides what each may see: deny by default.
package auth

import "github.com/skolstat/skolstat/etl/snapshot"

// Role is what a signed-in user is, mapped from the identity provider's claims.
type Role string

// The roles of DESIGN's user table.
const (
	RolePrincipal     Role = "principal" // rektor: own school units and their aggregates
	RoleOrganiser     Role = "organiser" // huvudman: its school units and their aggregates
	RoleInspector     Role = "inspector" // Skolinspektionen: what its scope names
	RolePlatformStaff Role = "staff"     // platform staff: nation-wide platform usage
)

// Scope names one area (or all) a principal's token grants: "school_unit:12345678",
// "organiser:K0180", "municipality:0180", "all".
type Scope struct {
	Level string // snapshot.LevelSchoolUnit, LevelOrganiser, LevelMunicipality, LevelNation, or "all"
	Code  string
}

// Principal is a signed-in user. Subject is the identity provider's subject, never a pupil key.
type Principal struct {
	Subject string
	Role    Role
	Scopes  []Scope
}

// Visibility is what a principal may see, resolved against the areas of one snapshot.
type Visibility interface {
	// CanSee reports whether the principal may see figures of area.
	CanSee(area snapshot.Area) bool
	// CanSeeStatistic reports whether the principal may see statistic id at all.
	CanSeeStatistic(id string) bool
	// CanSeeArea is CanSee by level and code (the store's Filter.Visible).
	CanSeeArea(level, code string) bool
}
