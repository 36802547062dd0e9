-- Goals, prescriptions and their versions, education given, and a clinic's own exercises.

CREATE TABLE goals (
    id               INTEGER PRIMARY KEY,
    clinic_id        INTEGER NOT NULL REFERENCES clinics(id),
    patient_id       INTEGER NOT NULL REFERENCES patients(id),
    episode_id       INTEGER NOT NULL REFERENCES episodes(id),
    goal             TEXT NOT NULL,
    created_by       INTEGER NOT NULL REFERENCES users(id),
    created_at       INTEGER NOT NULL
);
CREATE INDEX goals_by_episode ON goals (episode_id, id);

CREATE TABLE prescriptions (
    id          INTEGER PRIMARY KEY,
    clinic_id   INTEGER NOT NULL REFERENCES clinics(id),
    patient_id  INTEGER NOT NULL REFERENCES patients(id),
    episode_id  INTEGER NOT NULL UNIQUE REFERENCES episodes(id),
    created_at  INTEGER NOT NULL
);
CREATE INDEX prescriptions_by_patient ON prescriptions (clinic_id, patient_id);

CREATE TABLE prescription_versions (
    id               INTEGER PRIMARY KEY,
    prescription_id  INTEGER NOT NULL REFERENCES prescriptions(id),
    version          INTEGER NOT NULL,
    plan             TEXT NOT NULL,
    changes          TEXT NOT NULL,
    reason           TEXT NOT NULL,
    created_by       INTEGER NOT NULL REFERENCES users(id),
    created_on       TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    UNIQUE (prescription_id, version)
);

CREATE TABLE education_assignments (
    id           INTEGER PRIMARY KEY,
    clinic_id    INTEGER NOT NULL REFERENCES clinics(id),
    patient_id   INTEGER NOT NULL REFERENCES patients(id),
    episode_id   INTEGER NOT NULL REFERENCES episodes(id),
    item_id      TEXT NOT NULL,
    assigned_by  INTEGER NOT NULL REFERENCES users(id),
    assigned_at  INTEGER NOT NULL,
    read_at      INTEGER,
    UNIQUE (episode_id, item_id)
);

CREATE TABLE clinic_exercises (
    clinic_id   INTEGER NOT NULL REFERENCES clinics(id),
    id          TEXT NOT NULL,
    exercise    TEXT NOT NULL,
    created_by  INTEGER REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (clinic_id, id)
);

CREATE TABLE exercise_images (
    clinic_id     INTEGER NOT NULL REFERENCES clinics(id),
    exercise_id   TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    bytes         BLOB NOT NULL,
    uploaded_at   INTEGER NOT NULL,
    PRIMARY KEY (clinic_id, exercise_id)
);
