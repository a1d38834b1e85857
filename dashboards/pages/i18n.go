package pages

import (
	"fmt"
	"strings"
)

// Lang is a page language: Swedish by default, English on request (?lang=en).
type Lang string

// The page languages.
const (
	Swedish Lang = "sv"
	English Lang = "en"
)

// parseLang returns English for "en" and Swedish for anything else.
func parseLang(s string) Lang {
	if strings.EqualFold(s, "en") {
		return English
	}
	return Swedish
}

// strings holds every fixed text of the pages, Swedish and English.
var texts = map[string][2]string{
	"site":                      {"Skolstatistik", "School statistics"},
	"skip":                      {"Hoppa till innehållet", "Skip to content"},
	"nav":                       {"Huvudmeny", "Main menu"},
	"min-skola":                 {"Min skola", "My school"},
	"jamfor":                    {"Jämför skolor", "Compare schools"},
	"granskning":                {"Granskning", "Review"},
	"anvandning":                {"Användning av plattformen", "Platform use"},
	"other-lang":                {"English", "Svenska"},
	"other-lang-code":           {"en", "sv"},
	"signed-in":                 {"Inloggad som", "Signed in as"},
	"role.principal":            {"rektor", "principal"},
	"role.organiser":            {"huvudman", "organiser"},
	"role.inspector":            {"Skolinspektionen", "inspectorate"},
	"role.staff":                {"plattformens personal", "platform staff"},
	"period":                    {"Period", "Period"},
	"group-size":                {"Gruppstorlek", "Group size"},
	"extracted":                 {"Data hämtade", "Data extracted"},
	"snapshot":                  {"Körning", "Run"},
	"table":                     {"Tabell", "Table"},
	"chart-alt-line":            {"Linjediagram", "Line chart"},
	"chart-alt-bar":             {"Stapeldiagram", "Bar chart"},
	"chart-alt-same":            {"Samma siffror finns i tabellen bredvid.", "The same figures are in the table beside it."},
	"area":                      {"Område", "Area"},
	"school-unit":               {"Skolenhet", "School unit"},
	"choose":                    {"Visa", "Show"},
	"statistic":                 {"Statistik", "Statistic"},
	"subject":                   {"Ämne", "Subject"},
	"grade-level":               {"Årskurs", "Grade level"},
	"all":                       {"alla", "all"},
	"grade-default":             {"9 (förval)", "9 (default)"},
	"total":                     {"Totalt", "Total"},
	"girls":                     {"Flickor", "Girls"},
	"boys":                      {"Pojkar", "Boys"},
	"quartile":                  {"Kvartil", "Quartile"},
	"quartile-help":             {"Färgen visar i vilken kvartil skolans totalvärde ligger bland de skolor som redovisas (1 = lägst, 4 = högst). Dolda värden ingår inte.", "The colour shows the quartile of the school's total among the schools shown (1 = lowest, 4 = highest). Hidden figures are not included."},
	"sort-help":                 {"Klicka på en kolumnrubrik för att sortera.", "Select a column heading to sort."},
	"downloads":                 {"Ladda ner", "Downloads"},
	"download-csv":              {"CSV (Excel, svensk)", "CSV (Excel, Swedish)"},
	"download-xlsx":             {"XLSX", "XLSX"},
	"download-help":             {"Nedladdningarna innehåller samma skyddade uppgifter som sidan, i det publicerade formatet.", "The downloads hold the same protected figures as the page, in the published format."},
	"no-data":                   {"Inga uppgifter finns för detta urval.", "There are no figures for this selection."},
	"absent":                    {"Statistiken ”%s” publiceras inte i den här körningen: skyddet av uppgifterna blev inte klart i tid, eller statistiken togs inte fram.", "The statistic “%s” is not published in this run: its protection did not finish in time, or it was not built."},
	"absent.grade_distribution": {"Betygsfördelningen publiceras inte i den här körningen: skyddet av uppgifterna blev inte klart i tid.", "The grade distribution is not published in this run: its protection did not finish in time."},
	"legend":                    {"Teckenförklaring", "Legend"},
	"legend.hidden":             {"för få elever för att redovisas (eller dold så att en annan dold uppgift inte kan räknas fram)", "too few pupils to be reported (or hidden so that another hidden figure cannot be worked out)"},
	"legend.near":               {"nära 100 %: den exakta andelen redovisas inte eftersom den skulle avslöja enskilda elevers resultat", "close to 100%: the exact share is not reported because it would reveal individual pupils' results"},
	"legend.band":               {"andelen ligger i intervallet (t.ex. ≥95 %, ≤5 %); den exakta andelen redovisas inte", "the share lies in the band (e.g. ≥95%, ≤5%); the exact share is not reported"},
	"legend.band-high":          {"≥95 %", "≥95%"},
	"legend.band-low":           {"≤5 %", "≤5%"},
	"legend.missing":            {"inget att redovisa (gruppen är tom)", "nothing to report (the group is empty)"},
	"legend.groupsize":          {"antal elever i gruppen, avrundat till ett intervall", "number of pupils in the group, as a band"},
	"legend.chart":              {"I diagrammen markeras en dold uppgift med ett grått fält eller en linje och sin markering (t.ex. ..), aldrig som 0.", "In the charts a hidden figure is marked with a grey band or line and its marker (e.g. ..), never as 0."},
	"hidden-name":               {"för få elever för att redovisas", "too few pupils to be reported"},
	"band.unknown":              {"dold (..)", "hidden (..)"},
	"band.lt10":                 {"färre än 10", "fewer than 10"},
	"pupils":                    {"elever", "pupils"},
	"users":                     {"användare", "users"},
	"compare-for":               {"Skolenheter hos", "School units of"},
	"forbidden":                 {"Du har inte behörighet till den här sidan.", "You are not allowed to see this page."},
	"not-found":                 {"Sidan eller området finns inte.", "The page or area does not exist."},
	"bad-request":               {"Felaktig begäran", "Bad request"},
	"internal":                  {"Något gick fel. Försök igen senare.", "Something went wrong. Please try again later."},
	"sign-in":                   {"Logga in", "Sign in"},
	"reference":                 {"Jämförelse", "Comparison"},
	"measure.share":             {"Andel (%)", "Share (%)"},
	"measure.mean":              {"Medelvärde", "Mean"},
	"measure.count":             {"Antal", "Count"},
	"cat.lower":                 {"Lägre betyg än provbetyg", "Grade lower than test"},
	"cat.equal":                 {"Samma betyg som provbetyg", "Grade equal to test"},
	"cat.higher":                {"Högre betyg än provbetyg", "Grade higher than test"},
	"cat.-":                     {"- (underlag saknas)", "- (no basis)"},
	"cat.vocational":            {"Yrkesprogram", "Vocational programme"},
	"cat.valid":                 {"Giltig", "Valid"},
	"cat.invalid":               {"Ogiltig", "Invalid"},
	"cat.passed":                {"Uppnått", "Passed"},
	"cat.high":                  {"Hög frånvaro", "High absence"},
	"cat.not_reached":           {"Ej nått E", "Below E"},
	"cat.preparatory_economics": {"Högskoleförberedande: ekonomi, humanistiska, samhällsvetenskap", "Preparatory: economics, humanities, social science"},
	"cat.preparatory_arts":      {"Högskoleförberedande: estetiska", "Preparatory: arts"},
	"cat.preparatory_science":   {"Högskoleförberedande: naturvetenskap, teknik", "Preparatory: natural science, technology"},
	"cat.login":                 {"inloggning", "sign-in"},
	"cat.view":                  {"visning", "view"},
	"cat.submit":                {"inlämning", "submission"},
	"cat.staff":                 {"Personal", "Staff"},
	"cat.guardian":              {"Vårdnadshavare", "Guardians"},
	"cat.pupil":                 {"Elever", "Pupils"},
	"cat.computer":              {"dator", "computer"},
	"cat.mobile":                {"mobil", "mobile"},
	"cat.tablet":                {"surfplatta", "tablet"},
	"level.nation":              {"Riket", "Nation"},
	"level.municipality":        {"Kommun", "Municipality"},
	"level.organiser":           {"Huvudman", "Organiser"},
	"level.school_unit":         {"Skolenhet", "School unit"},

	"v.grades":                 {"Betygsfördelning", "Grade distribution"},
	"v.grades.trend":           {"Betygsfördelning över tid", "Grade distribution over time"},
	"v.passed6":                {"Andel som uppnått kunskapskraven i alla ämnen, åk 6", "Share with at least E in all subjects, year 6"},
	"v.passed9":                {"Andel som uppnått kunskapskraven i alla ämnen, åk 9", "Share with at least E in all subjects, year 9"},
	"v.merit":                  {"Meritvärde, åk 9", "Merit value, year 9"},
	"v.eligibility-vocational": {"Behörighet till yrkesprogram, åk 9", "Eligible for a vocational programme, year 9"},
	"v.eligibility-economics":  {"Behörighet till ekonomi-, humanistiska och samhällsvetenskapsprogrammen, åk 9", "Eligible for the economics, humanities and social science programmes, year 9"},
	"v.eligibility-arts":       {"Behörighet till estetiska programmet, åk 9", "Eligible for the arts programme, year 9"},
	"v.eligibility-science":    {"Behörighet till naturvetenskaps- och teknikprogrammen, åk 9", "Eligible for the natural science and technology programmes, year 9"},
	"v.tests":                  {"Nationellt prov jämfört med betyg", "National test compared with grade"},
	"v.tests.trend":            {"Nationellt prov jämfört med betyg över tid", "National test compared with grade over time"},
	"v.absence":                {"Frånvaro per månad", "Absence by month"},
	"v.highabsence":            {"Andel elever med mer än 15 % frånvaro", "Share of pupils with more than 15% absence"},
	"v.notreached":             {"Bedömningar som ännu inte nått E", "Assessments not yet at E"},
	"v.active":                 {"Aktiva användare per vecka", "Weekly active users"},
	"v.features":               {"Användning av funktioner", "Feature use"},
}

// T returns the text of key in lang, or the key itself when there is none (a missing text is
// visible in tests rather than blank).
func T(lang Lang, key string) string {
	t, ok := texts[key]
	if !ok {
		return key
	}
	if lang == English {
		return t[1]
	}
	return t[0]
}

// absentNotice is the notice shown in place of a statistic that the snapshot does not publish:
// the statistic's own text when it has one, else the general text naming it by title.
func absentNotice(lang Lang, stat, title string) string {
	if _, ok := texts["absent."+stat]; ok {
		return T(lang, "absent."+stat)
	}
	return fmt.Sprintf(T(lang, "absent"), title)
}
