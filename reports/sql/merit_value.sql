-- merit_value: one unit per pupil with year-9 leaving grades of whom at least one passes; v1 =
-- the merit value: the 16 best grades outside modern language (ML) plus ML as a 17th (its points
-- are never negative, so it raises the sum or leaves it).
WITH ranked AS (
    SELECT *, rp_points(grade) AS pt,
           row_number() OVER (PARTITION BY pupil_id, term, subject_code = 'ML'
                              ORDER BY rp_points(grade) DESC, subject_code) AS r
    FROM rp_leaving
)
SELECT term AS period, any_value(attributed_su) AS school_unit_code, 9 AS grade_level,
       NULL::VARCHAR AS subject, any_value(gender) AS gender,
       pupil_id AS person_id, pupil_id AS unit_id, 1.0 AS weight, []::VARCHAR[] AS cats,
       coalesce(sum(pt) FILTER (WHERE subject_code <> 'ML' AND r <= 16), 0)
         + coalesce(max(pt) FILTER (WHERE subject_code = 'ML'), 0) AS v1,
       0.0 AS v2, 0.0 AS v3
FROM ranked
GROUP BY pupil_id, term
HAVING bool_or(rp_pass(grade))
