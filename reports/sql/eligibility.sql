-- eligibility: one unit per pupil with year-9 leaving grades (the population of
-- passed_all_subjects in year 9); categories (not exclusive) per Skolverket's rules:
--   vocational             E in SV or SVA, EN, MA and 5 more subjects (8 in all)
--   preparatory_economics  E in SV or SVA, EN, MA, GE, HI, RE, SH and 5 more (12 in all)
--                          (economics, humanities, social science programmes)
--   preparatory_arts       E in SV or SVA, EN, MA and 9 more (12 in all) (arts programme)
--   preparatory_science    E in SV or SVA, EN, MA, BI, FY, KE and 6 more (12 in all)
--                          (natural science, technology programmes)
-- SV and SVA count as one subject.
WITH p AS (
    SELECT pupil_id, term, any_value(gender) AS gender, any_value(attributed_su) AS su,
           count(DISTINCT CASE subject_code WHEN 'SVA' THEN 'SV' ELSE subject_code END)
               FILTER (WHERE rp_pass(grade)) AS passes,
           bool_or(subject_code IN ('SV', 'SVA') AND rp_pass(grade))
             AND bool_or(subject_code = 'EN' AND rp_pass(grade))
             AND bool_or(subject_code = 'MA' AND rp_pass(grade)) AS core,
           count(DISTINCT subject_code) FILTER (WHERE subject_code IN ('GE', 'HI', 'RE', 'SH') AND rp_pass(grade)) = 4 AS so,
           count(DISTINCT subject_code) FILTER (WHERE subject_code IN ('BI', 'FY', 'KE') AND rp_pass(grade)) = 3 AS no
    FROM rp_leaving
    GROUP BY pupil_id, term
)
SELECT term AS period, su AS school_unit_code, 9 AS grade_level, NULL::VARCHAR AS subject, gender,
       pupil_id AS person_id, pupil_id AS unit_id, 1.0 AS weight,
       [CASE WHEN core AND passes >= 8 THEN 'vocational' END,
        CASE WHEN core AND so AND passes >= 12 THEN 'preparatory_economics' END,
        CASE WHEN core AND passes >= 12 THEN 'preparatory_arts' END,
        CASE WHEN core AND no AND passes >= 12 THEN 'preparatory_science' END] AS cats,
       0.0 AS v1, 0.0 AS v2, 0.0 AS v3
FROM p
