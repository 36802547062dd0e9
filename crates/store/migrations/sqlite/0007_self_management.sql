-- The self-management plan the patient keeps after discharge, every version
-- kept: one row per version of an episode's plan. `plan` is the JSON of the
-- domain's `SelfManagementPlan` (exercises, activities, flare-up advice,
-- when to seek help, what the patient now knows). The plan is not part of
-- the record the rules read, so it raises no revision of the episode.

CREATE TABLE self_management_plans (
    id          INTEGER PRIMARY KEY,
    clinic_id   INTEGER NOT NULL REFERENCES clinics(id),
    patient_id  INTEGER NOT NULL REFERENCES patients(id),
    episode_id  INTEGER NOT NULL REFERENCES episodes(id),
    version     INTEGER NOT NULL CHECK (version >= 1),
    plan        TEXT NOT NULL,
    written_by  INTEGER NOT NULL REFERENCES users(id),
    written_on  TEXT NOT NULL,
    written_at  INTEGER NOT NULL,
    UNIQUE (episode_id, version)
);
CREATE INDEX self_management_plans_by_patient ON self_management_plans (clinic_id, patient_id, episode_id);
