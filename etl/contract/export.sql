-- The source contract (DESIGN §2): the pseudonymised tables the platform exposes in schema
-- export. Primary keys are the only constraints; the ETL validates every value.
-- Every statement is idempotent; contract.Apply runs the whole file in one transaction.
CREATE SCHEMA IF NOT EXISTS export;

CREATE TABLE IF NOT EXISTS export.organisers (
    organiser_id      text PRIMARY KEY,
    name              text,
    organiser_type    text,
    municipality_code text,
    updated_at        timestamptz
);

CREATE TABLE IF NOT EXISTS export.school_units (
    school_unit_code  text PRIMARY KEY,
    name              text,
    organiser_id      text,
    municipality_code text,
    updated_at        timestamptz
);

CREATE TABLE IF NOT EXISTS export.subjects (
    subject_code text PRIMARY KEY,
    name_sv      text,
    name_en      text
);

CREATE TABLE IF NOT EXISTS export.pupils (
    pupil_key          text PRIMARY KEY,
    gender             text,
    birth_year         int,
    protected_identity boolean,
    updated_at         timestamptz
);

CREATE TABLE IF NOT EXISTS export.placements (
    placement_id     bigint PRIMARY KEY,
    pupil_key        text,
    school_unit_code text,
    school_year      text,
    grade_level      int,
    group_name       text,
    start_date       date,
    end_date         date,
    updated_at       timestamptz
);

CREATE TABLE IF NOT EXISTS export.grades (
    grade_id         bigint PRIMARY KEY,
    pupil_key        text,
    school_unit_code text,
    subject_code     text,
    term             text,
    grade_level      int,
    grade            text,
    is_final         boolean,
    registered_on    date,
    updated_at       timestamptz
);

CREATE TABLE IF NOT EXISTS export.national_tests (
    result_id        bigint PRIMARY KEY,
    pupil_key        text,
    school_unit_code text,
    subject_code     text,
    school_year      text,
    grade_level      int,
    test_grade       text,
    taken_on         date,
    updated_at       timestamptz
);

CREATE TABLE IF NOT EXISTS export.assessments (
    assessment_id    bigint PRIMARY KEY,
    pupil_key        text,
    school_unit_code text,
    subject_code     text,
    term             text,
    level            text,
    assessed_at      timestamptz,
    updated_at       timestamptz
);

CREATE TABLE IF NOT EXISTS export.attendance (
    pupil_key              text,
    school_unit_code       text,
    day                    date,
    scheduled_minutes      int,
    absent_valid_minutes   int,
    absent_invalid_minutes int,
    updated_at             timestamptz,
    PRIMARY KEY (pupil_key, school_unit_code, day)
);

CREATE TABLE IF NOT EXISTS export.usage_events (
    event_id         bigint PRIMARY KEY,
    user_key         text,
    role             text,
    school_unit_code text,
    event_type       text,
    device           text,
    occurred_at      timestamptz
);

CREATE TABLE IF NOT EXISTS export.deletions (
    table_name text,
    row_key    text,
    deleted_at timestamptz
);
