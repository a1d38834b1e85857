-- absence: one unit per pupil and school unit per month and per term (a pupil who moved counts
-- at each school unit for the time scheduled there); v1 = scheduled minutes, v2 = valid and
-- v3 = invalid absence minutes. Months without a grade level for the pupil that school year
-- are left out.
SELECT month AS period, school_unit_code, grade_level, NULL::VARCHAR AS subject, gender,
       pupil_id AS person_id, pupil_id || '|' || school_unit_code AS unit_id, 1.0 AS weight,
       []::VARCHAR[] AS cats, sched::DOUBLE AS v1, valid::DOUBLE AS v2, invalid::DOUBLE AS v3
FROM rp_absence_month
WHERE grade_level IS NOT NULL
UNION ALL
SELECT term, school_unit_code, grade_level, NULL::VARCHAR, any_value(gender),
       pupil_id, pupil_id || '|' || school_unit_code, 1.0,
       []::VARCHAR[], sum(sched)::DOUBLE, sum(valid)::DOUBLE, sum(invalid)::DOUBLE
FROM rp_absence_month
WHERE grade_level IS NOT NULL
GROUP BY pupil_id, school_unit_code, term, grade_level
