#!/usr/bin/env bash
# Timing of the nightly triage: `rapport triage` over every active episode of
# a synthetic clinic made by `rapport demo` (default 100,000 patients, about
# 85,000 active episodes and 4.6 million session logs).
#
#   bash bench/triage.sh          # build the release binary, measure, print a table
#
# Runs, each reading the whole clinic and writing the JSON to /dev/null:
#   digests      as the import left it (one current digest per active episode)
#   rebuild      after deleting every digest: the history is read from the
#                tables and the digests written again
#   digests      once more, on the rebuilt digests
# Env knobs: PATIENTS (100000) SEED (1) TODAY (2026-03-02) RUNS (3: warm runs)
#            RAPPORT_BIN (skip the build) KEEP (a path: keep the database there)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
PATIENTS="${PATIENTS:-100000}"
SEED="${SEED:-1}"
TODAY="${TODAY:-2026-03-02}"
RUNS="${RUNS:-3}"
log() { echo "[triage.sh] $*" >&2; }
command -v sqlite3 >/dev/null || { log "sqlite3 is missing: apt-get install sqlite3"; exit 1; }
if [ -z "${RAPPORT_BIN:-}" ]; then
  log "building the release binary"
  (cd "$ROOT" && cargo build --release --quiet -p rapport-cli)
  RAPPORT_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/rapport"
fi
WORK="$(mktemp -d /tmp/rapport-triage.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
DB="${KEEP:-$WORK/clinic.db}"
rm -f "$DB" "$DB-wal" "$DB-shm"
log "rapport demo --patients $PATIENTS --seed $SEED --today $TODAY"
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
start=$(date +%s%N)
"$RAPPORT_BIN" demo --db "sqlite://$DB" --patients "$PATIENTS" --seed "$SEED" --today "$TODAY" >/dev/null
demo_s=$(secs "$start" "$(date +%s%N)")

# One triage run: prints "seconds-triaged seconds-with-output wall".
run() {
  local t0 t1 line
  t0=$(date +%s%N)
  line="$("$RAPPORT_BIN" triage --db "sqlite://$DB" --format json --today "$TODAY" 2>&1 >/dev/null | tail -n1)"
  t1=$(date +%s%N)
  echo "$(echo "$line" | sed -n 's/.*triaged in \([0-9.]*\) s, \([0-9.]*\) s with output.*/\1 \2/p') $(secs "$t0" "$t1")"
}
summary="$("$RAPPORT_BIN" triage --db "sqlite://$DB" --format json --today "$TODAY" 2>&1 >/dev/null | tail -n1)"
log "$summary"
printf "rapport triage: %s patients (seed %s, today %s); demo took %s s; SQLite; %s cores\n" \
  "$PATIENTS" "$SEED" "$TODAY" "$demo_s" "$(nproc)"
printf "%-10s %-4s %-10s %-12s %-8s\n" run n triaged_s with_output_s wall_s
for i in $(seq 1 "$RUNS"); do
  printf "%-10s %-4s %-10s %-12s %-8s\n" digests "$i" $(run)
done
sqlite3 "$DB" "DELETE FROM monitoring_digests"
printf "%-10s %-4s %-10s %-12s %-8s\n" rebuild 1 $(run)
for i in $(seq 1 "$RUNS"); do
  printf "%-10s %-4s %-10s %-12s %-8s\n" digests "$i" $(run)
done
