-- Helpers shared by every statistic, created as temporary objects on the build's connection.
-- rp_pupil: the pupils statistics may count (protected identity, or unknown protection, left
-- out); gender F, M or U (unknown).
CREATE OR REPLACE TEMP VIEW rp_pupil AS
SELECT pupil_id,
       CASE WHEN gender IN ('F', 'M') THEN gender ELSE 'U' END AS gender
FROM pupils
WHERE protected_identity IS NOT DISTINCT FROM false;

-- rp_grade_su: a pupil's grade level at one school unit in one school year (the highest, should
-- there be several placements); rp_grade_any: at any school unit, the fallback.
CREATE OR REPLACE TEMP VIEW rp_grade_su AS
SELECT pupil_id, school_unit_code, school_year, max(grade_level) AS grade_level
FROM placements
GROUP BY ALL;
CREATE OR REPLACE TEMP VIEW rp_grade_any AS
SELECT pupil_id, school_year, max(grade_level) AS grade_level
FROM placements
GROUP BY ALL;

-- rp_term(d): the term of a day (HT = July–December, VT = January–June).
CREATE OR REPLACE TEMP MACRO rp_term(d) AS
    CASE WHEN month(d) >= 7 THEN 'HT' ELSE 'VT' END || year(d)::VARCHAR;
-- rp_sy(t): the school year (2024/25) of a term (HT2024, VT2025).
CREATE OR REPLACE TEMP MACRO rp_sy(t) AS
    CASE WHEN t LIKE 'HT%'
         THEN substr(t, 3) || '/' || lpad(((substr(t, 3)::INTEGER + 1) % 100)::VARCHAR, 2, '0')
         ELSE (substr(t, 3)::INTEGER - 1)::VARCHAR || '/' || lpad((substr(t, 3)::INTEGER % 100)::VARCHAR, 2, '0')
    END;
-- rp_term_end(t): the first day after a term.
CREATE OR REPLACE TEMP MACRO rp_term_end(t) AS
    CASE WHEN t LIKE 'HT%'
         THEN make_date(substr(t, 3)::INTEGER + 1, 1, 1)
         ELSE make_date(substr(t, 3)::INTEGER, 7, 1)
    END;
-- rp_points(g): Skolverket's grade points (A=20 … E=10; F and - give none).
CREATE OR REPLACE TEMP MACRO rp_points(g) AS
    CASE g WHEN 'A' THEN 20.0 WHEN 'B' THEN 17.5 WHEN 'C' THEN 15.0
           WHEN 'D' THEN 12.5 WHEN 'E' THEN 10.0 ELSE 0.0 END;
-- rp_pass(g): a passing grade (at least E).
CREATE OR REPLACE TEMP MACRO rp_pass(g) AS g IN ('A', 'B', 'C', 'D', 'E');

-- rp_latest_grade: each pupil's grade per subject and term: the latest registered row.
-- Materialised once per build: five statistics read it.
CREATE OR REPLACE TEMP TABLE rp_latest_grade AS
SELECT g.pupil_id, p.gender, g.school_unit_code, g.subject_code, g.term, g.grade_level, g.grade,
       coalesce(g.is_final, false) AS is_final,
       strftime(coalesce(g.registered_on, DATE '1900-01-01'), '%Y%m%d') || lpad(g.grade_id::VARCHAR, 20, '0') AS reg_key
FROM grades g
JOIN rp_pupil p USING (pupil_id)
WHERE g.grade IN ('A', 'B', 'C', 'D', 'E', 'F', '-') AND g.term SIMILAR TO '(HT|VT)[0-9]{4}'
QUALIFY row_number() OVER (PARTITION BY g.pupil_id, g.subject_code, g.term
                           ORDER BY g.registered_on DESC NULLS LAST, g.grade_id DESC) = 1;

-- rp_leaving: year-9 leaving grades (spring term, is_final), one row per pupil, subject and
-- term, with the school unit the pupil is attributed to: where the latest of the pupil's
-- leaving grades that term was registered.
CREATE OR REPLACE TEMP VIEW rp_leaving AS
SELECT *, arg_max(school_unit_code, reg_key) OVER (PARTITION BY pupil_id, term) AS attributed_su
FROM rp_latest_grade
WHERE grade_level = 9 AND is_final AND term LIKE 'VT%';

-- rp_absence_month: attendance per pupil, school unit and month (scheduled days only), with the
-- pupil's gender, term and grade level that school year (at that school unit, else anywhere).
-- Materialised once per build: absence and high_absence read it.
CREATE OR REPLACE TEMP TABLE rp_absence_month AS
WITH m AS (
    SELECT pupil_id, school_unit_code, date_trunc('month', day)::DATE AS m,
           sum(scheduled_minutes) AS sched,
           sum(least(coalesce(absent_valid_minutes, 0), scheduled_minutes)) AS valid,
           sum(least(coalesce(absent_invalid_minutes, 0), scheduled_minutes)) AS invalid
    FROM attendance
    WHERE scheduled_minutes > 0 AND day IS NOT NULL
    GROUP BY ALL
)
SELECT m.pupil_id, p.gender, m.school_unit_code, strftime(m.m, '%Y-%m') AS month, rp_term(m.m) AS term,
       coalesce(s.grade_level, y.grade_level) AS grade_level, m.sched, m.valid, m.invalid
FROM m
JOIN rp_pupil p USING (pupil_id)
LEFT JOIN rp_grade_su s ON s.pupil_id = m.pupil_id AND s.school_unit_code = m.school_unit_code
                       AND s.school_year = rp_sy(rp_term(m.m))
LEFT JOIN rp_grade_any y ON y.pupil_id = m.pupil_id AND y.school_year = rp_sy(rp_term(m.m));

-- rp_usage_week: usage events per ISO week (Europe/Stockholm), user, role, event type and
-- device; users numbered (uid) so that later groupings hash integers. Events are first bucketed
-- by UTC hour (Swedish offsets are whole hours, so an hour lies in one local week) so that only
-- the distinct hours go through the time zone.
CREATE OR REPLACE TEMP TABLE rp_usage_week AS
WITH ev AS (
    SELECT * FROM usage_events
    WHERE role IN ('staff', 'guardian', 'pupil') AND user_id IS NOT NULL AND occurred_at IS NOT NULL
), users AS (
    SELECT user_id, row_number() OVER () AS uid FROM (SELECT DISTINCT user_id FROM ev)
), h AS (
    SELECT epoch(occurred_at)::BIGINT // 3600 AS hr, uid, role, event_type, device, count(*) AS events
    FROM ev JOIN users USING (user_id)
    GROUP BY ALL
), w AS (
    SELECT hr, strftime(to_timestamp(hr * 3600) AT TIME ZONE 'Europe/Stockholm', '%G-W%V') AS week
    FROM (SELECT DISTINCT hr FROM h)
)
SELECT w.week, h.uid, h.role, h.event_type, h.device, sum(h.events) AS events
FROM h JOIN w USING (hr)
GROUP BY ALL;
