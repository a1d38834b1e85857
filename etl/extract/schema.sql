-- The ETL's own bookkeeping in the warehouse (beside etl/warehouse/schema.sql).
-- etl_state holds the incremental watermarks and the fingerprint of the re-keying secret.
CREATE TABLE IF NOT EXISTS etl_state (
    name      VARCHAR PRIMARY KEY,
    watermark TIMESTAMPTZ,
    note      VARCHAR
);
-- etl_quarantine holds the latest run's rejected rows: rule, table and primary key only (a pupil
-- key re-keyed), never the row's content.
CREATE TABLE IF NOT EXISTS etl_quarantine (
    run_id     VARCHAR NOT NULL,
    rule       VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    row_key    VARCHAR NOT NULL
);
