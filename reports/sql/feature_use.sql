-- feature_use: events per ISO week (Europe/Stockholm), nation-wide, counted per user, role and
-- event type (weight = the events). Categories: the event type; the role; role/event type.
SELECT week AS period, NULL::VARCHAR AS school_unit_code, NULL::INTEGER AS grade_level,
       NULL::VARCHAR AS subject, NULL::VARCHAR AS gender,
       uid AS person_id, NULL::VARCHAR AS unit_id, sum(events)::DOUBLE AS weight,
       [event_type, role, role || '/' || event_type] AS cats,
       0.0 AS v1, 0.0 AS v2, 0.0 AS v3
FROM rp_usage_week
WHERE event_type IS NOT NULL
GROUP BY week, uid, role, event_type
