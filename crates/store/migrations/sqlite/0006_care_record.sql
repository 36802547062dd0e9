-- The records the programme theory needs, kept with each contact and review:
-- the consultation practices ticked at a contact, what a supervised contact
-- corrected and progressed, the patient's rating of change asked at a
-- contact, beliefs reconciled, and the alliance asked during care. The
-- episode's revision now also follows goals, reading, belief reviews and the
-- clinician's feedback on logs, which the episode's record (its digest)
-- holds too.

-- Practice keys ticked, comma-separated (e.g. `rapport_built,condition_explained`).
ALTER TABLE follow_ups ADD COLUMN practices TEXT NOT NULL DEFAULT '';
-- 1 when the checklist was gone through: an unticked practice was not done.
ALTER TABLE follow_ups ADD COLUMN checklist_complete INTEGER NOT NULL DEFAULT 0;
-- Supervised contacts: technique corrected, dose progressed (NULL = not said).
ALTER TABLE follow_ups ADD COLUMN corrected INTEGER;
ALTER TABLE follow_ups ADD COLUMN progressed INTEGER;
-- The patient's global impression of change at the contact (PGIC scale, 1-7).
ALTER TABLE follow_ups ADD COLUMN benefit INTEGER CHECK (benefit BETWEEN 1 AND 7);

-- Keys (JSON list) of confirmed beliefs the patient no longer holds.
ALTER TABLE belief_reviews ADD COLUMN reconciled TEXT NOT NULL DEFAULT '[]';

-- A time point during care: SQLite changes a CHECK by rebuilding the table.
CREATE TABLE form_responses_new (
    id            INTEGER PRIMARY KEY,
    clinic_id     INTEGER NOT NULL REFERENCES clinics(id),
    patient_id    INTEGER NOT NULL REFERENCES patients(id),
    episode_id    INTEGER NOT NULL REFERENCES episodes(id),
    time_point    TEXT NOT NULL CHECK (time_point IN ('baseline', 'during_care', 'discharge', 'six_months')),
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
INSERT INTO form_responses_new SELECT id, clinic_id, patient_id, episode_id, time_point, form, version,
    answers, result, total, band, complete, entered_by, on_behalf, updated_at, completed_at FROM form_responses;
DROP TABLE form_responses;
ALTER TABLE form_responses_new RENAME TO form_responses;
CREATE INDEX form_responses_by_patient ON form_responses (clinic_id, patient_id);
CREATE TRIGGER form_responses_revise_insert AFTER INSERT ON form_responses
BEGIN
    UPDATE episodes SET revision = revision + 1 WHERE id = NEW.episode_id;
END;
CREATE TRIGGER form_responses_revise_update AFTER UPDATE ON form_responses
BEGIN
    UPDATE episodes SET revision = revision + 1 WHERE id IN (OLD.episode_id, NEW.episode_id);
END;
CREATE TRIGGER form_responses_revise_delete AFTER DELETE ON form_responses
BEGIN
    UPDATE episodes SET revision = revision + 1 WHERE id = OLD.episode_id;
END;

CREATE TRIGGER goals_revise_insert AFTER INSERT ON goals
BEGIN
    UPDATE episodes SET revision = revision + 1 WHERE id = NEW.episode_id;
END;
CREATE TRIGGER goals_revise_update AFTER UPDATE ON goals
BEGIN
    UPDATE episodes SET revision = revision + 1 WHERE id IN (OLD.episode_id, NEW.episode_id);
END;
CREATE TRIGGER goals_revise_delete AFTER DELETE ON goals
BEGIN
    UPDATE episodes SET revision = revision + 1 WHERE id = OLD.episode_id;
END;

CREATE TRIGGER education_assignments_revise_insert AFTER INSERT ON education_assignments
BEGIN
    UPDATE episodes SET revision = revision + 1 WHERE id = NEW.episode_id;
END;
CREATE TRIGGER education_assignments_revise_update AFTER UPDATE ON education_assignments
BEGIN
    UPDATE episodes SET revision = revision + 1 WHERE id IN (OLD.episode_id, NEW.episode_id);
END;
CREATE TRIGGER education_assignments_revise_delete AFTER DELETE ON education_assignments
BEGIN
    UPDATE episodes SET revision = revision + 1 WHERE id = OLD.episode_id;
END;

CREATE TRIGGER belief_reviews_revise_insert AFTER INSERT ON belief_reviews
BEGIN
    UPDATE episodes SET revision = revision + 1 WHERE id = NEW.episode_id;
END;
CREATE TRIGGER belief_reviews_revise_update AFTER UPDATE ON belief_reviews
BEGIN
    UPDATE episodes SET revision = revision + 1 WHERE id IN (OLD.episode_id, NEW.episode_id);
END;
CREATE TRIGGER belief_reviews_revise_delete AFTER DELETE ON belief_reviews
BEGIN
    UPDATE episodes SET revision = revision + 1 WHERE id = OLD.episode_id;
END;

-- Feedback belongs to a log, whose episode is revised (not when the patient marks it seen).
CREATE TRIGGER log_comments_revise_insert AFTER INSERT ON log_comments
BEGIN
    UPDATE episodes SET revision = revision + 1
    WHERE id = (SELECT episode_id FROM session_logs WHERE id = NEW.log_id);
END;
CREATE TRIGGER log_comments_revise_update AFTER UPDATE OF log_id, created_at ON log_comments
BEGIN
    UPDATE episodes SET revision = revision + 1
    WHERE id IN (SELECT episode_id FROM session_logs WHERE id IN (OLD.log_id, NEW.log_id));
END;
CREATE TRIGGER log_comments_revise_delete AFTER DELETE ON log_comments
BEGIN
    UPDATE episodes SET revision = revision + 1
    WHERE id = (SELECT episode_id FROM session_logs WHERE id = OLD.log_id);
END;

-- Every digest was written by the previous format; they are rebuilt when read.
DELETE FROM monitoring_digests;
