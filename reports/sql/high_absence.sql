-- high_absence: the units of absence per term (pupil and school unit); category high = absence
-- (valid + invalid) above 15 % of the time scheduled at that school unit in the term.
SELECT term AS period, school_unit_code, grade_level, NULL::VARCHAR AS subject, any_value(gender) AS gender,
       pupil_id AS person_id, pupil_id || '|' || school_unit_code AS unit_id, 1.0 AS weight,
       CASE WHEN sum(valid + invalid) > 0.15 * sum(sched) THEN ['high'] ELSE []::VARCHAR[] END AS cats,
       sum(sched)::DOUBLE AS v1, sum(valid)::DOUBLE AS v2, sum(invalid)::DOUBLE AS v3
FROM rp_absence_month
WHERE grade_level IS NOT NULL
GROUP BY pupil_id, school_unit_code, term, grade_level
