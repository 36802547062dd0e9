-- Monitoring digests: each active episode's monitoring history (plan
-- versions, session logs, follow-ups, completed scores) kept as one compact
-- row, so that the caseload and the nightly triage read one row per episode
-- instead of every log.
--
-- `episodes.revision` counts changes to that history. The triggers below
-- raise it on every insert, update or delete of a row the digest is built
-- from, whoever writes it; a digest is used only while its `revision` equals
-- the episode's (and its `format` is the one the code reads), so a write that
-- does not refresh the digest makes it stale, never wrong. The trigger's
-- update also takes the episode's row lock, which orders concurrent writers
-- of one episode.

ALTER TABLE episodes ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;

CREATE TABLE monitoring_digests (
    episode_id  BIGINT PRIMARY KEY REFERENCES episodes(id),
    clinic_id   BIGINT NOT NULL REFERENCES clinics(id),
    revision    BIGINT NOT NULL,
    format      INTEGER NOT NULL,
    digest      BYTEA NOT NULL
);

-- For tables with an `episode_id` column.
CREATE FUNCTION episode_revise() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE episodes SET revision = revision + 1 WHERE id = NEW.episode_id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE episodes SET revision = revision + 1 WHERE id = OLD.episode_id;
    ELSE
        UPDATE episodes SET revision = revision + 1 WHERE id = OLD.episode_id;
        IF NEW.episode_id IS DISTINCT FROM OLD.episode_id THEN
            UPDATE episodes SET revision = revision + 1 WHERE id = NEW.episode_id;
        END IF;
    END IF;
    RETURN NULL;
END;
$$;

-- For plan versions, whose episode is their prescription's.
CREATE FUNCTION episode_revise_by_prescription() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE episodes SET revision = revision + 1
        WHERE id = (SELECT episode_id FROM prescriptions WHERE id = OLD.prescription_id);
    END IF;
    IF TG_OP = 'INSERT' THEN
        UPDATE episodes SET revision = revision + 1
        WHERE id = (SELECT episode_id FROM prescriptions WHERE id = NEW.prescription_id);
    ELSIF TG_OP = 'UPDATE' THEN
        IF NEW.prescription_id IS DISTINCT FROM OLD.prescription_id THEN
            UPDATE episodes SET revision = revision + 1
            WHERE id = (SELECT episode_id FROM prescriptions WHERE id = NEW.prescription_id);
        END IF;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER session_logs_revise AFTER INSERT OR UPDATE OR DELETE ON session_logs
    FOR EACH ROW EXECUTE FUNCTION episode_revise();
CREATE TRIGGER follow_ups_revise AFTER INSERT OR UPDATE OR DELETE ON follow_ups
    FOR EACH ROW EXECUTE FUNCTION episode_revise();
CREATE TRIGGER form_responses_revise AFTER INSERT OR UPDATE OR DELETE ON form_responses
    FOR EACH ROW EXECUTE FUNCTION episode_revise();
CREATE TRIGGER prescriptions_revise AFTER UPDATE OF episode_id ON prescriptions
    FOR EACH ROW EXECUTE FUNCTION episode_revise();
CREATE TRIGGER prescription_versions_revise AFTER INSERT OR UPDATE OR DELETE ON prescription_versions
    FOR EACH ROW EXECUTE FUNCTION episode_revise_by_prescription();
