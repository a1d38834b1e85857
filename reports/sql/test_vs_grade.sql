-- test_vs_grade: one unit per pupil, subject and school year with both a national test result
-- (A–F, the latest) and a subject grade (A–F; - has no grade to compare) in the spring term of
-- that school year at the test's grade level; at the school unit of the test. Category: the
-- subject grade is lower than, equal to or higher than the test grade.
WITH t AS (
    SELECT n.pupil_id, p.gender, n.school_unit_code, n.subject_code, n.school_year, n.grade_level, n.test_grade
    FROM national_tests n
    JOIN rp_pupil p USING (pupil_id)
    WHERE n.test_grade IN ('A', 'B', 'C', 'D', 'E', 'F') AND n.grade_level IN (6, 9)
    QUALIFY row_number() OVER (PARTITION BY n.pupil_id, n.subject_code, n.school_year, n.grade_level
                               ORDER BY n.taken_on DESC NULLS LAST, n.result_id DESC) = 1
)
SELECT t.school_year AS period, t.school_unit_code, t.grade_level, t.subject_code AS subject, t.gender,
       t.pupil_id AS person_id, t.pupil_id AS unit_id, 1.0 AS weight,
       [CASE WHEN rp_points(g.grade) < rp_points(t.test_grade) THEN 'lower'
             WHEN rp_points(g.grade) = rp_points(t.test_grade) THEN 'equal'
             ELSE 'higher' END] AS cats,
       0.0 AS v1, 0.0 AS v2, 0.0 AS v3
FROM t
JOIN rp_latest_grade g
  ON g.pupil_id = t.pupil_id AND g.subject_code = t.subject_code AND g.grade_level = t.grade_level
 AND g.term = 'VT' || (substr(t.school_year, 1, 4)::INTEGER + 1)::VARCHAR
WHERE g.grade IN ('A', 'B', 'C', 'D', 'E', 'F')
