#!/usr/bin/env bash
# A synthetic caseload written straight into an SQLite file with SQL (no
# generating model: for timing the caseload loader and `rapport triage` only).
#
#   bash bench/synth_caseload.sh FILE [PATIENTS] [PER_CLINIC] [LOGS_PER_EPISODE]
#
# Defaults: 100000 patients, 500 per clinic (200 clinics), 80 logs each (8M).
# Every patient has one open episode opened 2026-01-05 + (id % 60) days, a plan
# of two exercises (a second version for a third of them), a follow-up, a
# STarT Back and a PSEQ score, and LOGS_PER_EPISODE session logs on
# consecutive-ish days after the plan started, with pain, difficulty and
# enjoyment drawn at random (some rising, some skipped). Clinic 1 has a
# clinician bench@clinic1.example with password "bench-password-1".
# Needs: sqlite3, and RAPPORT_BIN (or cargo) to create the schema.
set -euo pipefail
FILE="${1:?usage: synth_caseload.sh FILE [PATIENTS] [PER_CLINIC] [LOGS]}"
N="${2:-100000}"
PER="${3:-500}"
LOGS="${4:-80}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
if [ -z "${RAPPORT_BIN:-}" ]; then
  (cd "$ROOT" && cargo build --release --quiet -p rapport-cli)
  RAPPORT_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/rapport"
fi
[ -e "$FILE" ] && { echo "$FILE exists; choose a new file" >&2; exit 1; }
"$RAPPORT_BIN" migrate --db "sqlite://$FILE" >/dev/null
CLINICS=$(( (N + PER - 1) / PER ))
PLAN='{"items":[{"exercise_id":"mc-dead-bug","dose":{"sets":2,"reps":8,"hold_seconds":null,"duration_minutes":null,"rest_seconds":30,"per_week":3,"weeks":8,"load":null,"intensity":null},"progression_rule":"harder when easy","regression_rule":"easier when sore","delivery":"home","goal":null,"why":"to lift the grandchild"},{"exercise_id":"mc-abdominal-brace","dose":{"sets":3,"reps":10,"hold_seconds":null,"duration_minutes":null,"rest_seconds":30,"per_week":4,"weeks":8,"load":null,"intensity":null},"progression_rule":"harder when easy","regression_rule":"easier when sore","delivery":"home","goal":null,"why":"to sit through work"}],"co_designed":true}'
time sqlite3 "$FILE" <<SQL
PRAGMA journal_mode=WAL;
PRAGMA synchronous=OFF;
BEGIN;
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $CLINICS)
INSERT INTO clinics (id, name, created_at) SELECT i, 'Clinic ' || i, 0 FROM c;
-- Argon2id of "bench-password-1" is set below by the load script through the CLI; this account is for FKs.
INSERT INTO users (id, clinic_id, email, display_name, role, password_hash, created_at)
SELECT id, id, 'staff@clinic' || id || '.example', 'Staff ' || id, 'clinician', 'x', 0 FROM clinics;
WITH RECURSIVE p(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM p WHERE i < $N)
INSERT INTO patients (id, clinic_id, given_name, family_name, birth_date, created_at, updated_at)
SELECT i, (i - 1) / $PER + 1, 'Given' || i, 'Family' || (i * 7919 % 100003), '1970-01-01', 0, 0 FROM p;
INSERT INTO episodes (id, clinic_id, patient_id, opened_on, red_flag, created_at)
SELECT id, clinic_id, id, date('2026-01-05', '+' || (id % 60) || ' days'), 'clear', 0 FROM patients;
INSERT INTO prescriptions (id, clinic_id, patient_id, episode_id, created_at)
SELECT id, clinic_id, patient_id, id, 0 FROM episodes;
INSERT INTO prescription_versions (prescription_id, version, plan, changes, reason, created_by, created_on, created_at)
SELECT e.id, 1, '$PLAN', '[]', 'start', e.clinic_id, date(e.opened_on, '+1 days'), 0 FROM episodes e;
INSERT INTO prescription_versions (prescription_id, version, plan, changes, reason, created_by, created_on, created_at)
SELECT e.id, 2, '$PLAN', '[]', 'review', e.clinic_id, date(e.opened_on, '+29 days'), 0 FROM episodes e WHERE e.id % 3 = 0;
INSERT INTO follow_ups (clinic_id, patient_id, episode_id, contact_on, kind, feedback_given, feels_supported, created_at)
SELECT clinic_id, patient_id, id, date(opened_on, '+14 days'), CASE id % 4 WHEN 0 THEN 'phone' WHEN 1 THEN 'video' WHEN 2 THEN 'in_person' ELSE 'supervised' END, 1, 1, 0 FROM episodes WHERE id % 5 <> 0;
INSERT INTO form_responses (clinic_id, patient_id, episode_id, time_point, form, version, answers, result, total, band, complete, entered_by, on_behalf, updated_at, completed_at)
SELECT clinic_id, patient_id, id, 'baseline', 'startback', '1', '[]', '{"instrument":"startback","subscales":{"psychosocial":' || (id % 6) || '}}', id % 10, CASE WHEN id % 10 >= 7 THEN 'high' WHEN id % 10 >= 4 THEN 'medium' ELSE 'low' END, 1, clinic_id, 1, 0, (unixepoch(opened_on) + 3600) * 1000000 FROM episodes;
INSERT INTO form_responses (clinic_id, patient_id, episode_id, time_point, form, version, answers, result, total, band, complete, entered_by, on_behalf, updated_at, completed_at)
SELECT clinic_id, patient_id, id, 'baseline', 'pseq', '1', '[]', '{"instrument":"pseq","subscales":{}}', 15 + id % 40, NULL, 1, clinic_id, 1, 0, (unixepoch(opened_on) + 3600) * 1000000 FROM episodes;
WITH RECURSIVE k(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM k WHERE j < $LOGS - 1)
INSERT INTO session_logs (clinic_id, patient_id, episode_id, exercise_id, log_date, at, completion, skip_reason, sets, reps,
                          pain_before, pain_after, difficulty, enjoyment, source, created_at)
SELECT e.clinic_id, e.id, e.id, CASE k.j % 2 WHEN 0 THEN 'mc-dead-bug' ELSE 'mc-abdominal-brace' END,
       date(e.opened_on, '+' || (1 + k.j * 6 / 5) || ' days'), NULL,
       CASE WHEN (e.id + k.j) % 11 = 0 THEN 'skipped' ELSE 'done' END,
       CASE WHEN (e.id + k.j) % 11 = 0 THEN 'no_time' END,
       CASE WHEN (e.id + k.j) % 11 = 0 THEN NULL ELSE 2 END, CASE WHEN (e.id + k.j) % 11 = 0 THEN NULL ELSE 8 END,
       CASE WHEN (e.id + k.j) % 11 = 0 THEN NULL ELSE 3 END,
       CASE WHEN (e.id + k.j) % 11 = 0 THEN NULL ELSE 3 + abs(random() % 4) END,
       CASE WHEN (e.id + k.j) % 11 = 0 THEN NULL ELSE 1 + abs(random() % 5) END,
       CASE WHEN (e.id + k.j) % 11 = 0 THEN NULL ELSE 1 + abs(random() % 5) END,
       'demo', 0
FROM episodes e, k;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
ANALYZE;
SQL
echo "wrote $FILE: $N patients in $CLINICS clinics, $((N * LOGS)) session logs" >&2
