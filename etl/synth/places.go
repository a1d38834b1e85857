package synth

// municipality is a real Swedish municipality (kommun) with its four-digit code and a weight
// roughly proportional to its number of compulsory-school pupils.
type municipality struct {
	code, name string
	weight     float64
}

// municipalities used by the national profile; small and municipality use one each.
var municipalities = []municipality{
	{"0180", "Stockholm", 100}, {"1480", "Göteborg", 60}, {"1280", "Malmö", 40},
	{"0380", "Uppsala", 26}, {"0580", "Linköping", 18}, {"1880", "Örebro", 18},
	{"1980", "Västerås", 17}, {"0581", "Norrköping", 16}, {"1283", "Helsingborg", 16},
	{"0680", "Jönköping", 16}, {"2480", "Umeå", 14}, {"1281", "Lund", 13},
	{"1490", "Borås", 13}, {"0126", "Huddinge", 13}, {"0484", "Eskilstuna", 12},
	{"0182", "Nacka", 13}, {"0127", "Botkyrka", 12}, {"2180", "Gävle", 11},
	{"2281", "Sundsvall", 11}, {"0780", "Växjö", 10}, {"1380", "Halmstad", 11},
	{"0181", "Södertälje", 11}, {"1780", "Karlstad", 10}, {"0136", "Haninge", 10},
	{"1290", "Kristianstad", 9}, {"0880", "Kalmar", 8}, {"2580", "Luleå", 8},
	{"0163", "Sollentuna", 9}, {"0160", "Täby", 9}, {"0123", "Järfälla", 9},
	{"2482", "Skellefteå", 8}, {"2380", "Östersund", 7}, {"1080", "Karlskrona", 7},
	{"0184", "Solna", 7}, {"1488", "Trollhättan", 7}, {"2081", "Borlänge", 6},
	{"2080", "Falun", 6}, {"0480", "Nyköping", 6}, {"0120", "Värmdö", 6},
	{"0191", "Sigtuna", 6}, {"0188", "Norrtälje", 6}, {"0117", "Österåker", 6},
	{"0138", "Tyresö", 5}, {"0183", "Sundbyberg", 5}, {"0381", "Enköping", 5},
	{"2284", "Örnsköldsvik", 5}, {"0980", "Gotland", 6}, {"0114", "Upplands Väsby", 5},
	{"0486", "Strängnäs", 4}, {"0186", "Lidingö", 5}, {"0162", "Danderyd", 4},
	{"0115", "Vallentuna", 4}, {"0125", "Ekerö", 3}, {"0139", "Upplands-Bro", 3},
	{"0192", "Nynäshamn", 3}, {"2280", "Härnösand", 2}, {"0360", "Tierp", 2},
	{"0382", "Östhammar", 2}, {"0305", "Håbo", 2.5}, {"0330", "Knivsta", 2.5},
	{"0331", "Heby", 1.3}, {"0319", "Älvkarleby", 0.9}, {"0128", "Salem", 2},
	{"0140", "Nykvarn", 1.2}, {"0187", "Vaxholm", 1.5}, {"2584", "Kiruna", 2},
	{"1737", "Torsby", 1}, {"2418", "Malå", 0.3}, {"2506", "Arjeplog", 0.25},
	{"2403", "Bjurholm", 0.25},
}

func findMunicipality(code string) municipality {
	for _, m := range municipalities {
		if m.code == code {
			return m
		}
	}
	panic("synth: unknown municipality " + code)
}

// nameStems make school names such as Björkskolan or Ekbackens skola.
var nameStems = []string{
	"Björk", "Ekbacke", "Tall", "Lind", "Sjö", "Ängs", "Hag", "Berg", "Strand", "Kvarn",
	"Solbacke", "Vall", "Åker", "Rosen", "Lunda", "Gran", "Äppel", "Hassel", "Kastanj", "Lönn",
	"Furu", "Vik", "Näs", "Holm", "Dal", "Skogs", "Äng", "Brunns", "Torps", "Gärdes",
	"Ljung", "Sol", "Stjärn", "Norr", "Söder", "Väster", "Öster", "Mölle", "Råg", "Hav",
}

// organiserStems make names of independent organisers.
var organiserStems = []string{
	"Lärande", "Kunskaps", "Framtids", "Nova", "Vision", "Kompass", "Atlas", "Pilot",
	"Fyren", "Kristallen", "Montessori", "Waldorf", "Ugglan", "Linné",
}

// chains are independent organisers with schools in many municipalities.
var chains = []string{"Kunskapsskolan i Sverige AB", "Internationella Skolan AB", "Lärandegruppen AB", "Framtidsskolor AB"}

// subject is a subject of the timetable with its Swedish and English name.
type subject struct {
	code, sv, en string
	effect       float64 // shift of the grade scale: some subjects are graded higher
	gender       float64 // girls' advantage in this subject, in latent units
}

// subjects lists the subjects; the first 16 after SVA are the year-9 leaving subjects, ML is
// the modern language taken by most but not all. SV and SVA are alternatives.
var subjects = []subject{
	{"SV", "Svenska", "Swedish", 0.10, 0.45},
	{"SVA", "Svenska som andraspråk", "Swedish as a second language", -0.55, 0.35},
	{"EN", "Engelska", "English", 0.30, 0.10},
	{"MA", "Matematik", "Mathematics", -0.18, 0.05},
	{"BI", "Biologi", "Biology", 0.05, 0.30},
	{"FY", "Fysik", "Physics", -0.10, 0.15},
	{"KE", "Kemi", "Chemistry", -0.10, 0.20},
	{"GE", "Geografi", "Geography", 0.05, 0.25},
	{"HI", "Historia", "History", 0.05, 0.25},
	{"RE", "Religionskunskap", "Religious education", 0.10, 0.35},
	{"SH", "Samhällskunskap", "Civics", 0.05, 0.30},
	{"BL", "Bild", "Art", 0.30, 0.45},
	{"HKK", "Hem- och konsumentkunskap", "Home and consumer studies", 0.35, 0.45},
	{"IDH", "Idrott och hälsa", "Physical education and health", 0.45, -0.05},
	{"MU", "Musik", "Music", 0.35, 0.35},
	{"SL", "Slöjd", "Crafts", 0.30, 0.35},
	{"TK", "Teknik", "Technology", 0.05, 0.15},
	{"ML", "Moderna språk", "Modern languages", 0.15, 0.35},
}

// Subject indexes used by the generator.
const (
	subjSV  = 0
	subjSVA = 1
	subjEN  = 2
	subjMA  = 3
	subjBI  = 4
	subjGE  = 7
	subjML  = 17
)
