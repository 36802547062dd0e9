-- Episodes of care, questionnaire and intake responses, red-flag clearances,
-- belief reviews and licensed instrument wording.

CREATE TABLE episodes (
    id             INTEGER PRIMARY KEY,
    clinic_id      INTEGER NOT NULL REFERENCES clinics(id),
    patient_id     INTEGER NOT NULL REFERENCES patients(id),
    opened_on      TEXT NOT NULL,
    discharged_on  TEXT,
    -- unscreened | clear | positive | cleared: the red-flag state that gates exercise.
    red_flag       TEXT NOT NULL DEFAULT 'unscreened' CHECK (red_flag IN ('unscreened', 'clear', 'positive', 'cleared')),
    red_flag_at    INTEGER,
    created_at     INTEGER NOT NULL
);
CREATE UNIQUE INDEX episodes_one_open ON episodes (patient_id) WHERE discharged_on IS NULL;
CREATE INDEX episodes_by_clinic ON episodes (clinic_id, red_flag);

CREATE TABLE form_responses (
    id            INTEGER PRIMARY KEY,
    clinic_id     INTEGER NOT NULL REFERENCES clinics(id),
    patient_id    INTEGER NOT NULL REFERENCES patients(id),
    episode_id    INTEGER NOT NULL REFERENCES episodes(id),
    time_point    TEXT NOT NULL CHECK (time_point IN ('baseline', 'discharge', 'six_months')),
    form          TEXT NOT NULL,
    version       TEXT NOT NULL,
    answers       TEXT NOT NULL,
    result        TEXT,
    total         REAL,
    band          TEXT,
    complete      INTEGER NOT NULL,
    entered_by    INTEGER NOT NULL REFERENCES users(id),
    on_behalf     INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    completed_at  INTEGER,
    UNIQUE (episode_id, time_point, form)
);
CREATE INDEX form_responses_by_patient ON form_responses (clinic_id, patient_id);

CREATE TABLE red_flag_clearances (
    id          INTEGER PRIMARY KEY,
    clinic_id   INTEGER NOT NULL REFERENCES clinics(id),
    episode_id  INTEGER NOT NULL REFERENCES episodes(id),
    cleared_by  INTEGER NOT NULL REFERENCES users(id),
    reason      TEXT NOT NULL,
    cleared_at  INTEGER NOT NULL
);
CREATE INDEX red_flag_clearances_by_episode ON red_flag_clearances (episode_id);

CREATE TABLE belief_reviews (
    id           INTEGER PRIMARY KEY,
    clinic_id    INTEGER NOT NULL REFERENCES clinics(id),
    episode_id   INTEGER NOT NULL REFERENCES episodes(id),
    reviewed_by  INTEGER NOT NULL REFERENCES users(id),
    confirmed    TEXT NOT NULL,
    note         TEXT NOT NULL,
    reviewed_on  TEXT NOT NULL,
    reviewed_at  INTEGER NOT NULL
);
CREATE INDEX belief_reviews_by_episode ON belief_reviews (episode_id, id);

CREATE TABLE instrument_wording (
    clinic_id   INTEGER NOT NULL REFERENCES clinics(id),
    instrument  TEXT NOT NULL,
    version     TEXT NOT NULL,
    language    TEXT NOT NULL,
    source      TEXT NOT NULL,
    wording     TEXT NOT NULL,
    loaded_at   INTEGER NOT NULL,
    PRIMARY KEY (clinic_id, instrument, version, language)
);
