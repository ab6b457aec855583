-- crime-outcomes store schema, version 3. Documented in docs/schema.md.
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);

CREATE TABLE IF NOT EXISTS sources (
    source_id      INTEGER PRIMARY KEY,
    file_name      TEXT NOT NULL,
    path           TEXT,
    sha256         TEXT NOT NULL,
    kind           TEXT NOT NULL,          -- outcomes | recorded_crime
    edition_date   DATE,                   -- from the -DDMMYY file name suffix, or given
    years          TEXT,                   -- comma-separated financial years held
    sheets         TEXT,                   -- data sheet(s) read
    rows_read      BIGINT NOT NULL,
    rows_loaded    BIGINT NOT NULL,        -- main table + alternate-offence table
    rows_alternate BIGINT NOT NULL,
    rows_rejected  BIGINT NOT NULL,
    loaded_at      TIMESTAMP NOT NULL,
    superseded_by  INTEGER,                -- set when a newer edition replaced this one
    notes          TEXT
);

CREATE TABLE IF NOT EXISTS outcomes (
    financial_year  TEXT NOT NULL,
    quarter         TINYINT NOT NULL,
    force           TEXT NOT NULL,
    offence_code    TEXT NOT NULL,
    outcome_type    TINYINT NOT NULL,      -- 0-22; 0 = not yet assigned (recorded basis only)
    recorded        BIGINT,                -- outcomes for offences recorded in the quarter
    closed          BIGINT,                -- outcomes for investigations closed in the quarter
    recorded_marker TEXT,                  -- the published text where recorded is NULL
    closed_marker   TEXT,
    source_id       INTEGER NOT NULL,
    source_row      BIGINT NOT NULL
);

-- Derived: outcomes summed over the quarters of each year, rebuilt for a year whenever that
-- year is loaded (same transaction). Analyses read it: a quarter of the rows to scan.
CREATE TABLE IF NOT EXISTS outcomes_annual (
    financial_year  TEXT NOT NULL,
    force           TEXT NOT NULL,
    offence_code    TEXT NOT NULL,
    outcome_type    TINYINT NOT NULL,
    recorded        BIGINT,                -- sum over quarters; NULL cells are skipped, as in SQL sum()
    closed          BIGINT
);

-- Derived: outcomes_annual turned on its side, one row per year x force x offence code with one
-- column per outcome type and basis, rebuilt with it (same transaction). The story's expected
-- counts and crime mix read it: one row where outcomes_annual has one per outcome type.
CREATE TABLE IF NOT EXISTS outcomes_wide (
    financial_year  TEXT NOT NULL,
    force           TEXT NOT NULL,
    offence_code    TEXT NOT NULL,
    outcome_rows    INTEGER NOT NULL,      -- rows of types 1-22 in outcomes_annual (0: only type 0 published)
    recorded_all    BIGINT,                -- sum over types 1-22; NULL when every cell is NULL, as SQL sum()
    closed_all      BIGINT,
    recorded_0  BIGINT, closed_0  BIGINT,
    recorded_1  BIGINT, closed_1  BIGINT,
    recorded_2  BIGINT, closed_2  BIGINT,
    recorded_3  BIGINT, closed_3  BIGINT,
    recorded_4  BIGINT, closed_4  BIGINT,
    recorded_5  BIGINT, closed_5  BIGINT,
    recorded_6  BIGINT, closed_6  BIGINT,
    recorded_7  BIGINT, closed_7  BIGINT,
    recorded_8  BIGINT, closed_8  BIGINT,
    recorded_9  BIGINT, closed_9  BIGINT,
    recorded_10 BIGINT, closed_10 BIGINT,
    recorded_11 BIGINT, closed_11 BIGINT,
    recorded_12 BIGINT, closed_12 BIGINT,
    recorded_13 BIGINT, closed_13 BIGINT,
    recorded_14 BIGINT, closed_14 BIGINT,
    recorded_15 BIGINT, closed_15 BIGINT,
    recorded_16 BIGINT, closed_16 BIGINT,
    recorded_17 BIGINT, closed_17 BIGINT,
    recorded_18 BIGINT, closed_18 BIGINT,
    recorded_19 BIGINT, closed_19 BIGINT,
    recorded_20 BIGINT, closed_20 BIGINT,
    recorded_21 BIGINT, closed_21 BIGINT,
    recorded_22 BIGINT, closed_22 BIGINT
);

-- Derived: the rows of outcomes (types 1-22) published without a number on either basis, rebuilt
-- with outcomes_annual. The missing-cell caveats read it instead of scanning every row.
CREATE TABLE IF NOT EXISTS outcomes_missing (
    financial_year  TEXT NOT NULL,
    quarter         TINYINT NOT NULL,
    force           TEXT NOT NULL,
    offence_code    TEXT NOT NULL,
    outcome_type    TINYINT NOT NULL,
    recorded        BIGINT,
    closed          BIGINT,
    recorded_marker TEXT,
    closed_marker   TEXT,
    source_id       INTEGER NOT NULL,
    source_row      BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS alternate_outcomes (
    financial_year  TEXT NOT NULL,
    quarter         TINYINT NOT NULL,
    force           TEXT NOT NULL,
    offence_code    TEXT NOT NULL,
    outcome_type    TEXT NOT NULL,         -- 1a | 2a | 3a: subsets of 1-3, never added to them
    recorded        BIGINT,
    closed          BIGINT,
    recorded_marker TEXT,
    closed_marker   TEXT,
    source_id       INTEGER NOT NULL,
    source_row      BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS recorded_crime (
    financial_year  TEXT NOT NULL,
    quarter         TINYINT NOT NULL,
    force           TEXT NOT NULL,
    offence_code    TEXT NOT NULL,
    offences        BIGINT,
    offences_marker TEXT,
    source_id       INTEGER NOT NULL,
    source_row      BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS forces (
    force    TEXT PRIMARY KEY,
    kind     TEXT NOT NULL,                -- territorial | non-territorial | fraud
    slug     TEXT NOT NULL,
    country  TEXT
);

CREATE TABLE IF NOT EXISTS offences (
    financial_year    TEXT NOT NULL,
    offence_code      TEXT NOT NULL,
    description       TEXT,
    offence_group     TEXT,
    offence_subgroup  TEXT,
    expired           BOOLEAN NOT NULL,
    source_id         INTEGER NOT NULL,
    PRIMARY KEY (financial_year, offence_code, source_id)
);

CREATE TABLE IF NOT EXISTS outcome_types (
    outcome_type  TINYINT PRIMARY KEY,
    label         TEXT NOT NULL,
    outcome_group TEXT NOT NULL,
    in_all_outcomes BOOLEAN NOT NULL,      -- counted in the denominator of a share (1-22)
    note          TEXT
);

CREATE TABLE IF NOT EXISTS outcome_labels (
    financial_year      TEXT NOT NULL,
    outcome_type        TEXT NOT NULL,
    outcome_description TEXT,
    outcome_group       TEXT,
    source_id           INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS rejected_rows (
    source_id   INTEGER NOT NULL,
    file_name   TEXT NOT NULL,
    sheet       TEXT,
    source_row  BIGINT NOT NULL,
    column_name TEXT,
    reason      TEXT NOT NULL,
    raw         TEXT
);

CREATE TABLE IF NOT EXISTS revisions (
    source_id       INTEGER NOT NULL,      -- the new edition
    replaced_source INTEGER NOT NULL,
    financial_year  TEXT NOT NULL,
    force           TEXT NOT NULL,
    outcome_type    TINYINT NOT NULL,
    basis           TEXT NOT NULL,         -- recorded | closed
    old_value       BIGINT,
    new_value       BIGINT
);
