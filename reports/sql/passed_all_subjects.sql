-- passed_all_subjects: one unit per pupil with grades in the spring term of year 6 (any grade)
-- or year 9 (leaving grades), at the school unit of the pupil's latest grade that term;
-- category passed = at least E in every subject graded (F and - both fail it).
WITH g AS (
    SELECT pupil_id, gender, school_unit_code, term, grade_level, grade, reg_key
    FROM rp_latest_grade
    WHERE term LIKE 'VT%' AND (grade_level = 6 OR (grade_level = 9 AND is_final))
)
SELECT term AS period, arg_max(school_unit_code, reg_key) AS school_unit_code, grade_level,
       NULL::VARCHAR AS subject, any_value(gender) AS gender,
       pupil_id AS person_id, pupil_id AS unit_id, 1.0 AS weight,
       CASE WHEN bool_and(rp_pass(grade)) THEN ['passed'] ELSE []::VARCHAR[] END AS cats,
       0.0 AS v1, 0.0 AS v2, 0.0 AS v3
FROM g
GROUP BY pupil_id, term, grade_level
