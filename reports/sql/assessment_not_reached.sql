-- assessment_not_reached: one unit per pupil, subject and term with a formative assessment, at
-- the school unit of the latest one; category not_reached = that latest assessment is below E.
-- v1 = its age in days at the end of the term (or at the build's now, if earlier): freshness.
WITH a AS (
    SELECT a.pupil_id, p.gender, a.school_unit_code, a.subject_code, a.term, a.level, a.assessed_at
    FROM assessments a
    JOIN rp_pupil p USING (pupil_id)
    WHERE a.level IN ('not_reached', 'E', 'C', 'A') AND a.term SIMILAR TO '(HT|VT)[0-9]{4}'
    QUALIFY row_number() OVER (PARTITION BY a.pupil_id, a.subject_code, a.term
                               ORDER BY a.assessed_at DESC NULLS LAST, a.assessment_id DESC) = 1
)
SELECT a.term AS period, a.school_unit_code, coalesce(s.grade_level, y.grade_level) AS grade_level,
       a.subject_code AS subject, a.gender, a.pupil_id AS person_id, a.pupil_id AS unit_id, 1.0 AS weight,
       CASE WHEN a.level = 'not_reached' THEN ['not_reached'] ELSE []::VARCHAR[] END AS cats,
       greatest(0, date_diff('day', a.assessed_at::DATE,
                             least(rp_term_end(a.term), getvariable('rp_now')::DATE)))::DOUBLE AS v1,
       0.0 AS v2, 0.0 AS v3
FROM a
LEFT JOIN rp_grade_su s ON s.pupil_id = a.pupil_id AND s.school_unit_code = a.school_unit_code
                       AND s.school_year = rp_sy(a.term)
LEFT JOIN rp_grade_any y ON y.pupil_id = a.pupil_id AND y.school_year = rp_sy(a.term)
WHERE coalesce(s.grade_level, y.grade_level) IS NOT NULL
