-- Monitoring digests: each active episode's monitoring history (plan
-- versions, session logs, follow-ups, completed scores) kept as one compact
-- row, so that the caseload and the nightly triage read one row per episode
-- instead of every log.
--
-- `episodes.revision` counts changes to that history. The triggers below
-- raise it on every insert, update or delete of a row the digest is built
-- from, whoever writes it; a digest is used only while its `revision` equals
-- the episode's (and its `format` is the one the code reads), so a write that
-- does not refresh the digest makes it stale, never wrong.

ALTER TABLE episodes ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;

CREATE TABLE monitoring_digests (
    episode_id  INTEGER PRIMARY KEY REFERENCES episodes(id),
    clinic_id   INTEGER NOT NULL REFERENCES clinics(id),
    revision    INTEGER NOT NULL,
    format      INTEGER NOT NULL,
    digest      BLOB NOT NULL
);

CREATE TRIGGER session_logs_revise_insert AFTER INSERT ON session_logs
BEGIN
    UPDATE episodes SET revision = revision + 1 WHERE id = NEW.episode_id;
END;
CREATE TRIGGER session_logs_revise_update AFTER UPDATE ON session_logs
BEGIN
    UPDATE episodes SET revision = revision + 1 WHERE id IN (OLD.episode_id, NEW.episode_id);
END;
CREATE TRIGGER session_logs_revise_delete AFTER DELETE ON session_logs
BEGIN
    UPDATE episodes SET revision = revision + 1 WHERE id = OLD.episode_id;
END;

CREATE TRIGGER follow_ups_revise_insert AFTER INSERT ON follow_ups
BEGIN
    UPDATE episodes SET revision = revision + 1 WHERE id = NEW.episode_id;
END;
CREATE TRIGGER follow_ups_revise_update AFTER UPDATE ON follow_ups
BEGIN
    UPDATE episodes SET revision = revision + 1 WHERE id IN (OLD.episode_id, NEW.episode_id);
END;
CREATE TRIGGER follow_ups_revise_delete AFTER DELETE ON follow_ups
BEGIN
    UPDATE episodes SET revision = revision + 1 WHERE id = OLD.episode_id;
END;

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

CREATE TRIGGER prescription_versions_revise_insert AFTER INSERT ON prescription_versions
BEGIN
    UPDATE episodes SET revision = revision + 1
    WHERE id = (SELECT episode_id FROM prescriptions WHERE id = NEW.prescription_id);
END;
CREATE TRIGGER prescription_versions_revise_update AFTER UPDATE ON prescription_versions
BEGIN
    UPDATE episodes SET revision = revision + 1
    WHERE id IN (SELECT episode_id FROM prescriptions WHERE id IN (OLD.prescription_id, NEW.prescription_id));
END;
CREATE TRIGGER prescription_versions_revise_delete AFTER DELETE ON prescription_versions
BEGIN
    UPDATE episodes SET revision = revision + 1
    WHERE id = (SELECT episode_id FROM prescriptions WHERE id = OLD.prescription_id);
END;
CREATE TRIGGER prescriptions_revise_update AFTER UPDATE OF episode_id ON prescriptions
BEGIN
    UPDATE episodes SET revision = revision + 1 WHERE id IN (OLD.episode_id, NEW.episode_id);
END;
