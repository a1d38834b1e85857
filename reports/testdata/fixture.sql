-- A hand-built warehouse for the golden tests. Every expected figure in build_test.go is worked
-- out by hand from the rows below; the comments give the arithmetic.
--
-- Areas: municipality 0180 (Stockholm) with organiser K0180 and school units 11111111 (years 6
-- and 9) and 22222222 (years 7 and 9); municipality 1480 (Göteborg) with the independent
-- organiser E0001 and school unit 33333333 (year 9 only).
-- Re-keyed ids are UUIDs in the warehouse: pupil pNN is pupil(NN), user uN is usr(N).
CREATE OR REPLACE TEMP MACRO pupil(n) AS ('00000000-0000-0000-0000-' || lpad(n::VARCHAR, 12, '0'))::UUID;
CREATE OR REPLACE TEMP MACRO usr(n) AS ('ffffffff-0000-0000-0000-' || lpad(n::VARCHAR, 12, '0'))::UUID;
INSERT INTO organisers VALUES ('K0180', 'Stockholms kommun', 'municipal', '0180'),
                              ('E0001', 'Friskolan AB', 'independent', NULL);
INSERT INTO school_units VALUES ('11111111', 'Norra skolan', 'K0180', '0180'),
                                ('22222222', 'Södra skolan', 'K0180', '0180'),
                                ('33333333', 'Västra skolan', 'E0001', '1480');
INSERT INTO subjects VALUES
 ('BI','Biologi','Biology'), ('BL','Bild','Art'), ('EN','Engelska','English'), ('FY','Fysik','Physics'),
 ('GE','Geografi','Geography'), ('HI','Historia','History'), ('HKK','Hem- och konsumentkunskap','Home economics'),
 ('IDH','Idrott och hälsa','Physical education'), ('KE','Kemi','Chemistry'), ('MA','Matematik','Mathematics'),
 ('MU','Musik','Music'), ('RE','Religionskunskap','Religion'), ('SH','Samhällskunskap','Civics'),
 ('SL','Slöjd','Crafts'), ('SV','Svenska','Swedish'), ('SVA','Svenska som andraspråk','Swedish as a second language'),
 ('TK','Teknik','Technology'), ('ML','Moderna språk','Modern languages'),
 ('MOD','Modersmål','Mother tongue'); -- MOD: a subject nobody took

-- Pupils. p10 has protected identity and must count nowhere; p05 has unknown gender.
INSERT INTO pupils VALUES
 (pupil(1),'F',2010,false), (pupil(2),'M',2010,false), (pupil(3),'F',2010,false), (pupil(4),'M',2010,false),
 (pupil(5),NULL,2010,false), (pupil(6),'F',2010,false), (pupil(7),'M',2010,false), (pupil(8),'F',2010,false),
 (pupil(9),'M',2010,false), (pupil(10),'F',2010,true), (pupil(11),'F',2010,false), (pupil(12),'M',2010,false),
 (pupil(13),'F',2012,false), (pupil(14),'M',2012,false), (pupil(15),'M',2013,false), (pupil(16),'F',2013,false);

-- Placements 2024/25. p11 moved from 11111111 to 22222222 on 16 January 2025.
INSERT INTO placements VALUES
 (1,pupil(1),'11111111','2024/25',9,'2024-08-19',NULL), (2,pupil(2),'11111111','2024/25',9,'2024-08-19',NULL),
 (3,pupil(3),'11111111','2024/25',9,'2024-08-19',NULL), (4,pupil(4),'11111111','2024/25',9,'2024-08-19',NULL),
 (5,pupil(5),'11111111','2024/25',9,'2024-08-19',NULL), (6,pupil(6),'11111111','2024/25',9,'2024-08-19',NULL),
 (7,pupil(7),'11111111','2024/25',9,'2024-08-19',NULL), (8,pupil(8),'11111111','2024/25',9,'2024-08-19',NULL),
 (9,pupil(9),'11111111','2024/25',9,'2024-08-19',NULL), (10,pupil(10),'11111111','2024/25',9,'2024-08-19',NULL),
 (11,pupil(11),'11111111','2024/25',9,'2024-08-19','2025-01-15'), (12,pupil(11),'22222222','2024/25',9,'2025-01-16',NULL),
 (13,pupil(12),'33333333','2024/25',9,'2024-08-19',NULL),
 (14,pupil(13),'22222222','2024/25',7,'2024-08-19',NULL), (15,pupil(14),'22222222','2024/25',7,'2024-08-19',NULL),
 (16,pupil(15),'11111111','2024/25',6,'2024-08-19',NULL), (17,pupil(16),'11111111','2024/25',6,'2024-08-19',NULL);

-- Year-9 leaving grades, VT2025 (is_final), registered 10 June 2025 at 11111111 unless said.
-- Merit value = 16 best outside ML + ML (A=20 B=17.5 C=15 D=12.5 E=10 F=- =0).
--  p01 F: 16 × A + ML A                       = 320 + 20   = 340; eligible for all four
--  p02 M: 16 × C + ML F                       = 240 + 0    = 240 (ML F does not lower it)
--  p03 F: 16 × E with SVA (no SV) + ML E      = 160 + 10   = 170; SVA counts as SV
--  p04 M: 8 × F, 8 × -                        = no passing grade: out of the merit average
--  p05 ?: E in SV EN MA BL HKK IDH MU SL (8), F in the other 8 = 80; vocational only
--  p06 F: E in SV EN MA GE HI RE SH BL HKK IDH MU SL (12), F in BI FY KE TK = 120;
--         vocational, preparatory_economics, preparatory_arts
--  p07 M: D in SV EN MA BI FY KE BL HKK IDH MU SL TK (12), - in GE HI RE SH = 150;
--         vocational, preparatory_arts, preparatory_science
--  p08 F: E in SV EN MA BL HKK IDH MU (7), F in the other 9 = 70; not eligible (7 passes)
--  p09 M: E in SV EN BL HKK IDH MU SL TK (8), F in MA and the other 7 = 80; not eligible (no MA)
--  p10 F (protected): 16 × A — counts nowhere
--  p11 F (moved): 16 × B at 22222222 (SL registered earlier, 10 January, at 11111111) = 280
--  p12 M: 16 × C + ML B at 33333333           = 240 + 17.5 = 257.5
CREATE TEMP TABLE g9 (pupil VARCHAR, su VARCHAR, grades VARCHAR);
INSERT INTO g9 VALUES
 (pupil(1),'11111111','BI:A BL:A EN:A FY:A GE:A HI:A HKK:A IDH:A KE:A MA:A MU:A RE:A SH:A SL:A SV:A TK:A ML:A'),
 (pupil(2),'11111111','BI:C BL:C EN:C FY:C GE:C HI:C HKK:C IDH:C KE:C MA:C MU:C RE:C SH:C SL:C SV:C TK:C ML:F'),
 (pupil(3),'11111111','BI:E BL:E EN:E FY:E GE:E HI:E HKK:E IDH:E KE:E MA:E MU:E RE:E SH:E SL:E SVA:E TK:E ML:E'),
 (pupil(4),'11111111','BI:F BL:F EN:F FY:F GE:F HI:F HKK:F IDH:F KE:- MA:- MU:- RE:- SH:- SL:- SV:- TK:-'),
 (pupil(5),'11111111','BI:F BL:E EN:E FY:F GE:F HI:F HKK:E IDH:E KE:F MA:E MU:E RE:F SH:F SL:E SV:E TK:F'),
 (pupil(6),'11111111','BI:F BL:E EN:E FY:F GE:E HI:E HKK:E IDH:E KE:F MA:E MU:E RE:E SH:E SL:E SV:E TK:F'),
 (pupil(7),'11111111','BI:D BL:D EN:D FY:D GE:- HI:- HKK:D IDH:D KE:D MA:D MU:D RE:- SH:- SL:D SV:D TK:D'),
 (pupil(8),'11111111','BI:F BL:E EN:E FY:F GE:F HI:F HKK:E IDH:E KE:F MA:E MU:E RE:F SH:F SL:F SV:E TK:F'),
 (pupil(9),'11111111','BI:F BL:E EN:E FY:F GE:F HI:F HKK:E IDH:E KE:F MA:F MU:E RE:F SH:F SL:E SV:E TK:E'),
 (pupil(10),'11111111','BI:A BL:A EN:A FY:A GE:A HI:A HKK:A IDH:A KE:A MA:A MU:A RE:A SH:A SL:A SV:A TK:A'),
 (pupil(11),'22222222','BI:B BL:B EN:B FY:B GE:B HI:B HKK:B IDH:B KE:B MA:B MU:B RE:B SH:B SV:B TK:B'),
 (pupil(12),'33333333','BI:C BL:C EN:C FY:C GE:C HI:C HKK:C IDH:C KE:C MA:C MU:C RE:C SH:C SL:C SV:C TK:C ML:B');
INSERT INTO grades
SELECT 1000 + row_number() OVER (ORDER BY pupil, x), pupil, su, split_part(x, ':', 1), 'VT2025', 9,
       split_part(x, ':', 2), true, DATE '2025-06-10'
FROM g9, unnest(string_split(grades, ' ')) AS t(x);
INSERT INTO grades VALUES
 (2001,pupil(11),'11111111','SL','VT2025',9,'B',true,'2025-01-10'),   -- p11's SL, before the move
 (2002,pupil(11),'11111111','MA','HT2024',9,'C',false,'2024-12-18'),  -- p11's autumn grade, before the move
 -- Year 6, VT2025 at 11111111: p15 E, F, - (not passed); p16 A, B, C (passed all).
 (3001,pupil(15),'11111111','EN','VT2025',6,'E',false,'2025-06-10'),
 (3002,pupil(15),'11111111','MA','VT2025',6,'F',false,'2025-06-10'),
 (3003,pupil(15),'11111111','SV','VT2025',6,'-',false,'2025-06-10'),
 (3004,pupil(16),'11111111','EN','VT2025',6,'A',false,'2025-06-10'),
 (3005,pupil(16),'11111111','MA','VT2025',6,'B',false,'2025-06-10'),
 (3006,pupil(16),'11111111','SV','VT2025',6,'C',false,'2025-06-10'),
 -- An earlier, replaced registration: p16's MA was first D; the latest (B) counts.
 (3007,pupil(16),'11111111','MA','VT2025',6,'D',false,'2025-06-01');

-- National tests, year 9 MA 2024/25 at 11111111 (grade vs test):
--  p01 A vs B higher; p02 C vs C equal; p03 E vs C lower; p04 - vs E (no grade: left out);
--  p07 D vs D equal; p10 protected. → lower 1, equal 2, higher 1, total 4.
INSERT INTO national_tests VALUES
 (1,pupil(1),'11111111','MA','2024/25',9,'B','2025-03-15'), (2,pupil(2),'11111111','MA','2024/25',9,'C','2025-03-15'),
 (3,pupil(3),'11111111','MA','2024/25',9,'C','2025-03-15'), (4,pupil(4),'11111111','MA','2024/25',9,'E','2025-03-15'),
 (5,pupil(7),'11111111','MA','2024/25',9,'D','2025-03-15'), (6,pupil(10),'11111111','MA','2024/25',9,'A','2025-03-15');

-- Attendance (minutes). September 2024, ten school days of 300 minutes each:
--  p13 (F, year 7, 22222222): valid 60 a day = 600 of 3000 → 20 %, above 15 %: high
--  p14 (M, year 7, 22222222): invalid 45 a day = 450 of 3000 → exactly 15 %: not high
--  p11 (F, year 9, 11111111): valid 30 a day = 300 of 3000 → 10 %
--  p10 (protected): fully absent — counts nowhere
-- January 2025: p11 at 11111111, 5 days, no absence (1500). February 2025: p11 at 22222222,
-- 10 days, invalid 60 a day = 600 of 3000 → 20 %: high at 22222222 in VT2025.
INSERT INTO attendance
SELECT pupil(13), '22222222', DATE '2024-09-02' + i::INTEGER, 300, 60, 0 FROM range(10) t(i)
UNION ALL SELECT pupil(14), '22222222', DATE '2024-09-02' + i::INTEGER, 300, 0, 45 FROM range(10) t(i)
UNION ALL SELECT pupil(11), '11111111', DATE '2024-09-02' + i::INTEGER, 300, 30, 0 FROM range(10) t(i)
UNION ALL SELECT pupil(10), '11111111', DATE '2024-09-02' + i::INTEGER, 300, 300, 0 FROM range(10) t(i)
UNION ALL SELECT pupil(11), '11111111', DATE '2025-01-08' + i::INTEGER, 300, 0, 0 FROM range(5) t(i)
UNION ALL SELECT pupil(11), '22222222', DATE '2025-02-03' + i::INTEGER, 300, 0, 60 FROM range(10) t(i);

-- Formative assessments, MA, HT2024, year 7 at 22222222:
--  p13: E (10 Sep), then not_reached (20 Nov) → latest below E; 42 days old on 1 January
--  p14: not_reached (5 Sep), then C (1 Dec) → latest E or better; 31 days old
-- → not_reached 1 of 2; mean freshness (42 + 31) / 2 = 36.5 days.
INSERT INTO assessments VALUES
 (1,pupil(13),'22222222','MA','HT2024','E','2024-09-10 10:00:00+00'),
 (2,pupil(13),'22222222','MA','HT2024','not_reached','2024-11-20 10:00:00+00'),
 (3,pupil(14),'22222222','MA','HT2024','not_reached','2024-09-05 10:00:00+00'),
 (4,pupil(14),'22222222','MA','HT2024','C','2024-12-01 10:00:00+00'),
 (5,pupil(10),'22222222','MA','HT2024','not_reached','2024-12-01 10:00:00+00');

-- Usage, ISO week 2025-W10 (3–9 March 2025):
--  u1 staff: login on a computer, view on a mobile; u2 guardian: login on a mobile;
--  u3 pupil: two submits on a tablet.
-- active_users: all 3; staff 1, guardian 1, pupil 1; computer 1, mobile 2, tablet 1.
-- feature_use: all 5; login 2, view 1, submit 2; staff 2, guardian 1, pupil 2.
INSERT INTO usage_events VALUES
 (1,usr(1),'staff','11111111','login','computer','2025-03-04 08:00:00+01'),
 (2,usr(1),'staff','11111111','view','mobile','2025-03-04 12:00:00+01'),
 (3,usr(2),'guardian',NULL,'login','mobile','2025-03-05 19:00:00+01'),
 (4,usr(3),'pupil','22222222','submit','tablet','2025-03-06 09:00:00+01'),
 (5,usr(3),'pupil','22222222','submit','tablet','2025-03-06 09:30:00+01');
