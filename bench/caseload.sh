#!/usr/bin/env bash
# Load run of the caseload dashboard: one clinic with PER_CLINIC patients (default
# 500), each with an open episode, a plan, scores, a follow-up and LOGS session
# logs (default 80: 40,000 logs in the clinic), written by synth_caseload.sh.
#
#   bash bench/caseload.sh        # build the release binary, measure, print a table
#
# Then wrk against
#   caseload_api   GET /api/v1/caseload   (the same rows as the page, as JSON)
#   caseload_page  GET /caseload          (the HTML dashboard, with a session cookie)
# at CONNS connections (default "1 16"; c=1 is the server time of one request).
# Env knobs: DURATION (10s) CONNS ("1 16") WRK_THREADS (1) PER_CLINIC (500) LOGS (80)
#            RESULTS (/tmp/rapport-bench) RAPPORT_BIN (skip the build)
# Writes only under a mktemp folder (removed at the end) and $RESULTS.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
DURATION="${DURATION:-10s}"
CONNS="${CONNS:-1 16}"
WRK_THREADS="${WRK_THREADS:-1}"
PER_CLINIC="${PER_CLINIC:-500}"
LOGS="${LOGS:-80}"
RESULTS="${RESULTS:-/tmp/rapport-bench}"
log() { echo "[caseload.sh] $*" >&2; }
die() { log "$*"; exit 1; }
command -v wrk >/dev/null || die "wrk is missing: apt-get install wrk"
command -v sqlite3 >/dev/null || die "sqlite3 is missing: apt-get install sqlite3"
if [ -z "${RAPPORT_BIN:-}" ]; then
  log "building the release binary"
  (cd "$ROOT" && cargo build --release --quiet -p rapport-cli)
  RAPPORT_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/rapport"
fi
export RAPPORT_BIN
WORK="$(mktemp -d /tmp/rapport-caseload.XXXXXX)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

DB="$WORK/caseload.db"
log "writing $PER_CLINIC patients with $LOGS logs each"
bash "$HERE/synth_caseload.sh" "$DB" "$PER_CLINIC" "$PER_CLINIC" "$LOGS" >/dev/null 2>&1 || die "synthetic data failed"
EMAIL="bench@clinic1.example"; PASSWORD="bench-password-1"
echo "$PASSWORD" | "$RAPPORT_BIN" admin create-user --db "sqlite://$DB" --clinic 1 --role clinician \
  --email "$EMAIL" --password-stdin >/dev/null
"$RAPPORT_BIN" serve --db "sqlite://$DB" --addr 127.0.0.1:0 >"$WORK/stdout" 2>"$WORK/server.log" &
SERVER_PID=$!
addr=""
for _ in $(seq 1 600); do
  addr="$(sed -n 's/.*listening on http:\/\/\([^ ]*\).*/\1/p' "$WORK/stdout" | head -n1)"
  [ -n "$addr" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || die "server exited: $(cat "$WORK/server.log")"
  sleep 0.1
done
[ -n "$addr" ] || die "server did not start"
BASE="http://$addr"
token="$(curl -fsS -H 'Content-Type: application/json' -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" \
  "$BASE/api/v1/auth/token" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')"
[ -n "$token" ] || die "no token"
rows="$(curl -fsS -H "Authorization: Bearer $token" "$BASE/api/v1/caseload" | grep -o '"episode":' | wc -l)"
log "the caseload has $rows rows"
# A web session for the page: log in with the form's CSRF token.
jar="$WORK/jar"
csrf="$(curl -fsS -c "$jar" -b "$jar" "$BASE/login" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n1)"
curl -fsS -o /dev/null -c "$jar" -b "$jar" --data-urlencode "email=$EMAIL" --data-urlencode "password=$PASSWORD" \
  --data-urlencode "csrf_token=$csrf" --data-urlencode "next=/" "$BASE/login"
cookie="$(awk '$6=="rapport_session"{print "rapport_session=" $7}' "$jar")"
[ -n "$cookie" ] || die "no session cookie"
curl -fsS -o /dev/null -H "Cookie: $cookie" "$BASE/caseload" || die "GET /caseload failed"

mkdir -p "$RESULTS"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
tsv="$RESULTS/caseload-$stamp.tsv"
printf "case\tconns\trps\tp50_ms\tp90_ms\tp99_ms\tmax_ms\trequests\tnon2xx\n" >"$tsv"
for name in caseload_api caseload_page; do
  case "$name" in
    caseload_api) path=/api/v1/caseload; hdr="Authorization: Bearer $token"; tok="$token"; ck="" ;;
    caseload_page) path=/caseload; hdr="Cookie: $cookie"; tok=""; ck="$cookie" ;;
  esac
  timeout 20 wrk -t1 -c1 -d2s -H "$hdr" "$BASE$path" >/dev/null 2>&1 || true
  for c in $CONNS; do
    log "$name c=$c"
    out="$(WRK_TOKEN="$tok" WRK_COOKIE="$ck" timeout 120 wrk -t"$WRK_THREADS" -c"$c" -d"$DURATION" --timeout 10s \
           -s "$HERE/wrk/report.lua" "$BASE$path" 2>&1 || true)"
    echo "$out" | awk -v n="$name" -v c="$c" '/^RESULT/{
        for(i=2;i<=NF;i++){split($i,kv,"=");v[kv[1]]=kv[2]}
        printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",n,c,v["rps"],v["p50_ms"],v["p90_ms"],v["p99_ms"],v["max_ms"],v["requests"],v["non2xx"]}' >>"$tsv"
  done
done
{
  echo "rapport caseload: one clinic, $rows patients with open episodes, $LOGS logs each; SQLite; $(nproc) cores"
  column -t -s $'\t' "$tsv"
} | tee "$RESULTS/caseload-$stamp.summary"
