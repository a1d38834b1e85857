-- The warehouse: pupil-level rows, re-keyed, minimised. It never leaves the ETL.
-- pupil_id and user_id are the first 16 bytes of the HMAC-SHA-256 of the platform's pupil_key
-- and user_key under a secret kept outside this file, as UUIDs (etl/rekey); the platform's keys
-- are never stored here.
-- Column sets are a contract with reports/: add columns freely, rename none.
CREATE TABLE IF NOT EXISTS organisers (
    organiser_id      VARCHAR PRIMARY KEY,
    name              VARCHAR,
    organiser_type    VARCHAR,
    municipality_code VARCHAR
);
CREATE TABLE IF NOT EXISTS school_units (
    school_unit_code  VARCHAR PRIMARY KEY,
    name              VARCHAR,
    organiser_id      VARCHAR,
    municipality_code VARCHAR
);
CREATE TABLE IF NOT EXISTS subjects (
    subject_code VARCHAR PRIMARY KEY,
    name_sv      VARCHAR,
    name_en      VARCHAR
);
CREATE TABLE IF NOT EXISTS pupils (
    pupil_id           UUID PRIMARY KEY,
    gender             VARCHAR,
    birth_year         INTEGER,
    protected_identity BOOLEAN
);
CREATE TABLE IF NOT EXISTS placements (
    placement_id     BIGINT PRIMARY KEY,
    pupil_id         UUID,
    school_unit_code VARCHAR,
    school_year      VARCHAR,
    grade_level      INTEGER,
    start_date       DATE,
    end_date         DATE
);
CREATE TABLE IF NOT EXISTS grades (
    grade_id         BIGINT PRIMARY KEY,
    pupil_id         UUID,
    school_unit_code VARCHAR,
    subject_code     VARCHAR,
    term             VARCHAR,
    grade_level      INTEGER,
    grade            VARCHAR,
    is_final         BOOLEAN,
    registered_on    DATE
);
CREATE TABLE IF NOT EXISTS national_tests (
    result_id        BIGINT PRIMARY KEY,
    pupil_id         UUID,
    school_unit_code VARCHAR,
    subject_code     VARCHAR,
    school_year      VARCHAR,
    grade_level      INTEGER,
    test_grade       VARCHAR,
    taken_on         DATE
);
CREATE TABLE IF NOT EXISTS assessments (
    assessment_id    BIGINT PRIMARY KEY,
    pupil_id         UUID,
    school_unit_code VARCHAR,
    subject_code     VARCHAR,
    term             VARCHAR,
    level            VARCHAR,
    assessed_at      TIMESTAMPTZ
);
-- attendance and usage_events are large and append-mostly: no index, the ETL merges them.
CREATE TABLE IF NOT EXISTS attendance (
    pupil_id               UUID,
    school_unit_code       VARCHAR,
    day                    DATE,
    scheduled_minutes      INTEGER,
    absent_valid_minutes   INTEGER,
    absent_invalid_minutes INTEGER
);
CREATE TABLE IF NOT EXISTS usage_events (
    event_id         BIGINT,
    user_id          UUID,
    role             VARCHAR,
    school_unit_code VARCHAR,
    event_type       VARCHAR,
    device           VARCHAR,
    occurred_at      TIMESTAMPTZ
);
