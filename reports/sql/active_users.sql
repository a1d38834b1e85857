-- active_users: one unit per user and role per ISO week (Europe/Stockholm) with any event,
-- nation-wide. Categories: the role; each device used that week; role/device.
WITH w AS (
    SELECT week, uid, role,
           bool_or(device = 'computer') AS c, bool_or(device = 'mobile') AS m, bool_or(device = 'tablet') AS t
    FROM rp_usage_week
    GROUP BY ALL
)
SELECT week AS period, NULL::VARCHAR AS school_unit_code, NULL::INTEGER AS grade_level,
       NULL::VARCHAR AS subject, NULL::VARCHAR AS gender,
       uid AS person_id, uid::VARCHAR || '|' || role AS unit_id, 1.0 AS weight,
       [role,
        CASE WHEN c THEN 'computer' END, CASE WHEN m THEN 'mobile' END, CASE WHEN t THEN 'tablet' END,
        CASE WHEN c THEN role || '/computer' END, CASE WHEN m THEN role || '/mobile' END,
        CASE WHEN t THEN role || '/tablet' END] AS cats,
       0.0 AS v1, 0.0 AS v2, 0.0 AS v3
FROM w
