-- grade_distribution: one unit per pupil, subject and term (the latest grade registered), at
-- the school unit and grade level where that grade was registered; category = the grade.
SELECT term AS period, school_unit_code, grade_level, subject_code AS subject, gender,
       pupil_id AS person_id, pupil_id AS unit_id, 1.0 AS weight, [grade] AS cats,
       0.0 AS v1, 0.0 AS v2, 0.0 AS v3
FROM rp_latest_grade
