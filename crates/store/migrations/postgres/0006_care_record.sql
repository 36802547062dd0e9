-- The records the programme theory needs, kept with each contact and review:
-- the consultation practices ticked at a contact, what a supervised contact
-- corrected and progressed, the patient's rating of change asked at a
-- contact, beliefs reconciled, and the alliance asked during care. The
-- episode's revision now also follows goals, reading, belief reviews and the
-- clinician's feedback on logs, which the episode's record (its digest)
-- holds too.

-- Practice keys ticked, comma-separated (e.g. `rapport_built,condition_explained`).
ALTER TABLE follow_ups ADD COLUMN practices TEXT NOT NULL DEFAULT '';
-- True when the checklist was gone through: an unticked practice was not done.
ALTER TABLE follow_ups ADD COLUMN checklist_complete BOOLEAN NOT NULL DEFAULT FALSE;
-- Supervised contacts: technique corrected, dose progressed (NULL = not said).
ALTER TABLE follow_ups ADD COLUMN corrected BOOLEAN;
ALTER TABLE follow_ups ADD COLUMN progressed BOOLEAN;
-- The patient's global impression of change at the contact (PGIC scale, 1-7).
ALTER TABLE follow_ups ADD COLUMN benefit INTEGER CHECK (benefit BETWEEN 1 AND 7);

-- Keys (JSON list) of confirmed beliefs the patient no longer holds.
ALTER TABLE belief_reviews ADD COLUMN reconciled TEXT NOT NULL DEFAULT '[]';

-- A time point during care.
ALTER TABLE form_responses DROP CONSTRAINT form_responses_time_point_check;
ALTER TABLE form_responses ADD CONSTRAINT form_responses_time_point_check
    CHECK (time_point IN ('baseline', 'during_care', 'discharge', 'six_months'));

CREATE TRIGGER goals_revise AFTER INSERT OR UPDATE OR DELETE ON goals
    FOR EACH ROW EXECUTE FUNCTION episode_revise();
CREATE TRIGGER education_assignments_revise AFTER INSERT OR UPDATE OR DELETE ON education_assignments
    FOR EACH ROW EXECUTE FUNCTION episode_revise();
CREATE TRIGGER belief_reviews_revise AFTER INSERT OR UPDATE OR DELETE ON belief_reviews
    FOR EACH ROW EXECUTE FUNCTION episode_revise();

-- Feedback belongs to a log, whose episode is revised (not when the patient marks it seen).
CREATE FUNCTION episode_revise_by_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE episodes SET revision = revision + 1
        WHERE id = (SELECT episode_id FROM session_logs WHERE id = OLD.log_id);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.log_id IS DISTINCT FROM OLD.log_id) THEN
        UPDATE episodes SET revision = revision + 1
        WHERE id = (SELECT episode_id FROM session_logs WHERE id = NEW.log_id);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER log_comments_revise AFTER INSERT OR DELETE OR UPDATE OF log_id, created_at ON log_comments
    FOR EACH ROW EXECUTE FUNCTION episode_revise_by_log();

-- Every digest was written by the previous format; they are rebuilt when read.
DELETE FROM monitoring_digests;
