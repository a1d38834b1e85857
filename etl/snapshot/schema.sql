-- A published snapshot: protected aggregates only, immutable once written.
-- cells holds the published format of DESIGN §5 (the 12 columns after cell_id) for every figure.
CREATE TABLE cells (
    cell_id     BIGINT PRIMARY KEY, -- stable within this snapshot; relations refer to it
    statistic   VARCHAR NOT NULL,
    period      VARCHAR NOT NULL,
    area_level  VARCHAR NOT NULL,   -- nation, municipality, organiser, school_unit
    area_code   VARCHAR NOT NULL,
    grade_level INTEGER,            -- null = all grade levels
    subject     VARCHAR,            -- null = all / not applicable
    gender      VARCHAR,            -- F, M, null = all
    category    VARCHAR,            -- null = the group total
    measure     VARCHAR NOT NULL,   -- count, share, mean, n
    value       DOUBLE,             -- null unless status = shown
    display     VARCHAR NOT NULL,   -- what a person sees: 12, 41,5, .., ≥95 %
    status      VARCHAR NOT NULL    -- shown, suppressed_primary, suppressed_secondary, coded, missing
);
-- areas names every area and places a school unit under its organiser and municipality.
CREATE TABLE areas (
    area_level        VARCHAR NOT NULL,
    area_code         VARCHAR NOT NULL,
    name              VARCHAR NOT NULL,
    organiser_id      VARCHAR,
    municipality_code VARCHAR,
    PRIMARY KEY (area_level, area_code)
);
-- statistics is the catalogue: one row per statistic id.
CREATE TABLE statistics (
    id             VARCHAR PRIMARY KEY,
    name_sv        VARCHAR NOT NULL,
    name_en        VARCHAR NOT NULL,
    description_sv VARCHAR NOT NULL,
    description_en VARCHAR NOT NULL,
    unit           VARCHAR NOT NULL,
    measures       VARCHAR[] NOT NULL,
    dimensions     VARCHAR[] NOT NULL,
    population     VARCHAR NOT NULL
);
-- subjects names the subject codes used in cells.
CREATE TABLE subjects (
    subject_code VARCHAR PRIMARY KEY,
    name_sv      VARCHAR NOT NULL,
    name_en      VARCHAR NOT NULL
);
-- relations are the public additive relations between the additive cells (measure count or n):
-- for each relation_id, sum(coef * value) = 0. They are public knowledge (the hierarchies), and
-- `skolstat audit` needs them to re-check the snapshot as an attacker would.
CREATE TABLE relations (
    relation_id BIGINT NOT NULL,
    cell_id     BIGINT NOT NULL,
    coef        DOUBLE NOT NULL
);
-- bounds is what a reader learns of each additive cell from its display alone: shown cells
-- [value, value], suppressed [0, null = unbounded], coded the band times the group size.
CREATE TABLE bounds (
    cell_id BIGINT PRIMARY KEY,
    lower   DOUBLE NOT NULL,
    upper   DOUBLE
);
-- snapshot holds exactly one row describing this snapshot.
CREATE TABLE snapshot (
    run_id       VARCHAR NOT NULL,
    extracted_at TIMESTAMPTZ NOT NULL, -- the instant of the source transaction
    published_at TIMESTAMPTZ NOT NULL,
    policy       VARCHAR NOT NULL,     -- the protection policy, JSON
    source       VARCHAR NOT NULL      -- e.g. postgres, synthetic
);
