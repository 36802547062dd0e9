-- Support and monitoring: time zones and reminder choices, session logs and the clinician's
-- feedback on them, follow-up contacts, messages, per-clinic thresholds and the mail outbox.

-- A clinic's IANA time zone: the default for its patients' calendars and reminders.
ALTER TABLE clinics ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';

-- One row per patient who has chosen anything; no row means the clinic's defaults.
CREATE TABLE patient_preferences (
    patient_id     INTEGER PRIMARY KEY REFERENCES patients(id),
    clinic_id      INTEGER NOT NULL REFERENCES clinics(id),
    -- IANA zone; NULL = the clinic's.
    time_zone      TEXT,
    -- HH:MM on the patient's clock.
    reminder_time  TEXT NOT NULL DEFAULT '18:00',
    reminders_on   INTEGER NOT NULL DEFAULT 1,
    updated_at     INTEGER NOT NULL
);

CREATE TABLE session_logs (
    id           INTEGER PRIMARY KEY,
    clinic_id    INTEGER NOT NULL REFERENCES clinics(id),
    patient_id   INTEGER NOT NULL REFERENCES patients(id),
    episode_id   INTEGER NOT NULL REFERENCES episodes(id),
    exercise_id  TEXT NOT NULL,
    -- The day of the session on the patient's calendar.
    log_date     TEXT NOT NULL,
    at           INTEGER,
    completion   TEXT NOT NULL CHECK (completion IN ('done', 'partly', 'skipped')),
    skip_reason  TEXT CHECK (skip_reason IN ('no_time', 'pain', 'forgot', 'unwell', 'other')),
    sets         INTEGER CHECK (sets BETWEEN 1 AND 20),
    reps         INTEGER CHECK (reps BETWEEN 1 AND 200),
    minutes      INTEGER CHECK (minutes BETWEEN 1 AND 240),
    pain_before  INTEGER CHECK (pain_before BETWEEN 0 AND 10),
    pain_after   INTEGER CHECK (pain_after BETWEEN 0 AND 10),
    difficulty   INTEGER CHECK (difficulty BETWEEN 1 AND 5),
    enjoyment    INTEGER CHECK (enjoyment BETWEEN 1 AND 5),
    note         TEXT,
    -- web | api | clinician | demo
    source       TEXT NOT NULL,
    entered_by   INTEGER REFERENCES users(id),
    created_at   INTEGER NOT NULL,
    CHECK ((completion = 'skipped') = (skip_reason IS NOT NULL))
);
CREATE INDEX session_logs_by_episode ON session_logs (episode_id, log_date);
CREATE INDEX session_logs_by_patient ON session_logs (clinic_id, patient_id, id);

-- The clinician's feedback on one log; the patient sees it.
CREATE TABLE log_comments (
    id          INTEGER PRIMARY KEY,
    clinic_id   INTEGER NOT NULL REFERENCES clinics(id),
    patient_id  INTEGER NOT NULL REFERENCES patients(id),
    log_id      INTEGER NOT NULL REFERENCES session_logs(id),
    author_id   INTEGER NOT NULL REFERENCES users(id),
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    seen_at     INTEGER
);
CREATE INDEX log_comments_by_log ON log_comments (log_id, id);
CREATE INDEX log_comments_by_patient ON log_comments (clinic_id, patient_id, id);

-- Contacts with the clinician after the plan was given.
CREATE TABLE follow_ups (
    id                 INTEGER PRIMARY KEY,
    clinic_id          INTEGER NOT NULL REFERENCES clinics(id),
    patient_id         INTEGER NOT NULL REFERENCES patients(id),
    episode_id         INTEGER NOT NULL REFERENCES episodes(id),
    contact_on         TEXT NOT NULL,
    kind               TEXT NOT NULL CHECK (kind IN ('phone', 'video', 'in_person', 'supervised')),
    feedback_given     INTEGER,
    feels_supported    INTEGER,
    notes              TEXT NOT NULL DEFAULT '',
    -- Supervised sessions: technique corrections made.
    corrections        TEXT NOT NULL DEFAULT '',
    -- The plan version this contact produced (a progression or regression), if any.
    plan_version       INTEGER,
    -- The next contact as computed when this one was recorded, and why.
    next_contact_on    TEXT,
    next_reason        TEXT,
    recorded_by        INTEGER REFERENCES users(id),
    created_at         INTEGER NOT NULL
);
CREATE INDEX follow_ups_by_episode ON follow_ups (episode_id, contact_on);

-- Messages between a patient and the clinic's clinicians.
CREATE TABLE messages (
    id            INTEGER PRIMARY KEY,
    clinic_id     INTEGER NOT NULL REFERENCES clinics(id),
    patient_id    INTEGER NOT NULL REFERENCES patients(id),
    sender_id     INTEGER NOT NULL REFERENCES users(id),
    from_patient  INTEGER NOT NULL,
    body          TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    read_at       INTEGER
);
CREATE INDEX messages_by_patient ON messages (clinic_id, patient_id, id);

-- A clinic's monitoring thresholds (JSON of the domain's Thresholds); no row = the defaults.
CREATE TABLE clinic_thresholds (
    clinic_id   INTEGER PRIMARY KEY REFERENCES clinics(id),
    thresholds  TEXT NOT NULL,
    updated_by  INTEGER REFERENCES users(id),
    updated_at  INTEGER NOT NULL
);

-- Mail to send. dedupe_key is unique, so a reminder or notice is queued once however
-- often the scheduler runs; delivery retries with back-off until sent or given up.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    clinic_id        INTEGER NOT NULL REFERENCES clinics(id),
    kind             TEXT NOT NULL CHECK (kind IN ('reminder', 'follow_up_due')),
    dedupe_key       TEXT NOT NULL UNIQUE,
    user_id          INTEGER REFERENCES users(id),
    patient_id       INTEGER REFERENCES patients(id),
    to_address       TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    -- While 'sending': when the claim lapses, so a crashed sender's mail is retried.
    claimed_until    INTEGER,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    sent_at          INTEGER
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
