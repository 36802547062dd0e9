#!/usr/bin/env bash
# Load run: Rapport on a temporary SQLite file with its demo data, loopback only.
#
#   bash bench/load.sh            # build the release binary, measure, print a table
#
# For each SQLite sync mode (--sqlite-sync full, the default, and normal) a fresh
# database and server; a demo clinician's API token; then wrk -t2 -d10s at 16 and
# 64 connections against
#   patient_get   GET  /api/v1/patients/{id}   (authenticated; each read is audited)
#   patient_post  POST /api/v1/patients        (the write shape of the wger peer's log POST)
#   log_post      POST /api/v1/patients/{id}/logs (the demo patient logging a session with her token;
#                 validated against her plan, written with its audit row)
#   patient_home  GET  /me                       (the demo patient's phone home page with her session:
#                 today's exercises, charts, feedback, messages)
# For the last two the demo clinician first enters the patient's safety screen and a plan, and
# the patient logs 60 sessions, so the home page has a history to draw. patient_home runs before
# log_post, whose thousands of logs would otherwise make the history unlike any patient's.
# The RESULT line and the flags are those of ../shared/bench (wger.sh, wrk_report.lua),
# so the figures compare with the wger peer measured on the same machine.
#
# Env knobs: DURATION (10s) CONNS ("16 64") WRK_THREADS (2) SYNCS ("full normal")
#            CASES ("patient_get patient_post") RESULTS (/tmp/rapport-bench)
#            RAPPORT_BIN (skip the build and use this binary)
# Writes only under a mktemp folder (removed at the end) and $RESULTS.
# Needs: cargo, curl; wrk (installed with apt-get when run as root).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
DURATION="${DURATION:-10s}"
CONNS="${CONNS:-16 64}"
WRK_THREADS="${WRK_THREADS:-2}"
SYNCS="${SYNCS:-full normal}"
CASES="${CASES:-patient_get patient_post patient_home log_post}"
RESULTS="${RESULTS:-/tmp/rapport-bench}"

log() { echo "[load.sh] $*" >&2; }
die() { log "$*"; exit 1; }

if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing wrk (apt)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    die "wrk is missing: apt-get install wrk (as root)"
  fi
fi
command -v curl >/dev/null || die "curl is missing"

if [ -z "${RAPPORT_BIN:-}" ]; then
  log "building the release binary"
  (cd "$ROOT" && cargo build --release --quiet -p rapport-cli)
  RAPPORT_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/rapport"
fi
[ -x "$RAPPORT_BIN" ] || die "no binary at $RAPPORT_BIN"

WORK="$(mktemp -d /tmp/rapport-load.XXXXXX)"
SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}
cleanup() { stop_server; rm -rf "$WORK"; }
trap cleanup EXIT

# start_server SYNC: a fresh database with the demo data; sets BASE.
start_server() {
  local sync="$1" dir="$WORK/$1"
  mkdir -p "$dir"
  "$RAPPORT_BIN" serve --demo --db "sqlite://$dir/bench.db" --addr 127.0.0.1:0 \
    --sqlite-sync "$sync" >"$dir/stdout" 2>"$dir/server.log" &
  SERVER_PID=$!
  local addr=""
  for _ in $(seq 1 600); do   # bounded: 60 s
    addr="$(sed -n 's/.*listening on http:\/\/\([^ ]*\).*/\1/p' "$dir/stdout" | head -n1)"
    [ -n "$addr" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || die "server exited: $(cat "$dir/server.log")"
    sleep 0.1
  done
  [ -n "$addr" ] || die "server did not start in 60 s"
  case "$addr" in 127.0.0.1:*) ;; *) die "refusing to load anything but 127.0.0.1 ($addr)" ;; esac
  BASE="http://$addr"
  for _ in $(seq 1 300); do   # bounded: 30 s
    curl -fsS -o /dev/null --max-time 2 "$BASE/healthz" && break
    sleep 0.1
  done
  curl -fsS --max-time 5 "$BASE/healthz" >/dev/null || die "/healthz does not answer"
  # The demo clinician login, as the server printed it.
  read -r _ EMAIL PASSWORD < <(grep -E '^  clinician ' "$dir/stdout" | head -n1) || true
  [ -n "${PASSWORD:-}" ] || die "no clinician login printed: $(cat "$dir/stdout")"
}

# Stops the run, keeping the server's log, if the server is gone.
server_alive() {
  kill -0 "$SERVER_PID" 2>/dev/null && return 0
  local status=0
  wait "$SERVER_PID" || status=$?
  SERVER_PID=""
  cp "$WORK/$1/server.log" "$RESULTS/rapport-$stamp-server-$1.log" 2>/dev/null || true
  die "the server exited during the run (status $status$([ "$status" -gt 128 ] && echo ", signal $((status - 128))")); log: $RESULTS/rapport-$stamp-server-$1.log"
}

# csrf_of JAR URL: the form token of a page, with the session in JAR.
csrf_of() { curl -fsS --max-time 10 -c "$1" -b "$1" "$2" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n1; }

# web_login JAR EMAIL PASSWORD: a browser session in JAR.
web_login() {
  local t; t="$(csrf_of "$1" "$BASE/login")"
  curl -fsS -o /dev/null --max-time 10 -c "$1" -b "$1" -H "Origin: $BASE" --data-urlencode "csrf_token=$t" \
    --data-urlencode "email=$2" --data-urlencode "password=$3" "$BASE/login"
}

# patient_setup SYNC: the demo patient's safety screen (all no, entered by the clinician) and a
# one-exercise plan; sets KARI, KARI_TOKEN and KARI_COOKIE.
patient_setup() {
  local dir="$WORK/$1" clin="$WORK/$1/clin.jar" pat="$WORK/$1/pat.jar" t form args
  # The demo's new referral, Ingrid Solberg: nothing recorded yet (KARI* below name her).
  read -r _ KEMAIL KPASSWORD < <(grep -E '^  patient +ingrid\.solberg@' "$dir/stdout" | head -n1) || true
  [ -n "${KPASSWORD:-}" ] || die "no patient login printed"
  web_login "$clin" "$EMAIL" "$PASSWORD"
  KARI="$(curl -fsS --max-time 10 -H "Authorization: Bearer $token" "$BASE/api/v1/patients?q=Solberg&limit=1" \
    | grep -o '"id":[0-9]*' | head -n1 | cut -d: -f2)"
  [ -n "$KARI" ] || die "no demo patient Solberg"
  form="$BASE/patients/$KARI/forms/baseline/red_flags"
  t="$(csrf_of "$clin" "$form")"
  args=(--data-urlencode "csrf_token=$t")
  for key in $(curl -fsS --max-time 10 -b "$clin" "$form" | grep -o 'name="rf_[a-z_]*"' | sort -u | sed 's/name="\(.*\)"/\1/'); do
    args+=(--data-urlencode "$key=no")
  done
  curl -fsS -o /dev/null --max-time 10 -c "$clin" -b "$clin" -H "Origin: $BASE" "${args[@]}" "$form" \
    || die "safety screen not saved"
  t="$(csrf_of "$clin" "$BASE/patients/$KARI/prescription")"
  curl -fsS -o /dev/null --max-time 10 -c "$clin" -b "$clin" -H "Origin: $BASE" --data-urlencode "csrf_token=$t" \
    -d i1.exercise_id=ge-bend-to-knees -d i1.sets=2 -d i1.reps=8 -d i1.rest_seconds=30 -d i1.per_week=5 \
    -d i1.weeks=6 -d i1.delivery=home --data-urlencode "i1.progression_rule=Next step when easy" \
    --data-urlencode "i1.regression_rule=Back a step if pain rises" --data-urlencode "i1.why=Bending with confidence" \
    "$BASE/patients/$KARI/prescription" || die "plan not saved"
  KARI_TOKEN="$(curl -fsS --max-time 30 -H 'Content-Type: application/json' \
    -d "{\"email\":\"$KEMAIL\",\"password\":\"$KPASSWORD\"}" "$BASE/api/v1/auth/token" | json_field token)"
  [ -n "$KARI_TOKEN" ] || die "no patient token"
  for n in $(seq 1 60); do
    curl -fsS -o /dev/null --max-time 10 -H "Authorization: Bearer $KARI_TOKEN" -H 'Content-Type: application/json' \
      -d "{\"exercise_id\":\"ge-bend-to-knees\",\"completion\":\"done\",\"pain_before\":$((n % 4)),\"pain_after\":$((n % 5)),\"difficulty\":3,\"enjoyment\":4}" \
      "$BASE/api/v1/patients/$KARI/logs" || die "log $n not saved"
  done
  web_login "$pat" "$KEMAIL" "$KPASSWORD"
  KARI_COOKIE="$(awk '$6 ~ /rapport_session$/ {print $6"="$7}' "$pat" | head -n1)"
  [ -n "$KARI_COOKIE" ] || die "no patient session cookie"
  curl -fsS -o /dev/null --max-time 10 -H "Cookie: $KARI_COOKIE" "$BASE/me" || die "GET /me failed"
}

json_field() { sed -n "s/.*\"$1\":\"\\{0,1\\}\\([^\",}]*\\).*/\\1/p" | head -n1; }

bench() {
  local sync="$1" raw="$2" tsv="$3"
  start_server "$sync"
  local token patient
  token="$(curl -fsS --max-time 30 -H 'Content-Type: application/json' \
    -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/auth/token" | json_field token)"
  [ -n "$token" ] || die "no token"
  patient="$(curl -fsS --max-time 30 -H "Authorization: Bearer $token" \
    "$BASE/api/v1/patients?limit=1" | grep -o '"id":[0-9]*' | head -n1 | cut -d: -f2)"
  [ -n "$patient" ] || die "no demo patient"
  curl -fsS -o /dev/null --max-time 10 -H "Authorization: Bearer $token" "$BASE/api/v1/patients/$patient" \
    || die "GET /api/v1/patients/$patient failed"
  # warm-up (bounded)
  WRK_TOKEN="$token" timeout 20 wrk -t1 -c2 -d2s -s "$HERE/wrk/report.lua" \
    "$BASE/api/v1/patients/$patient" >/dev/null 2>&1 || true
  case " $CASES " in *" log_post "*|*" patient_home "*) patient_setup "$sync" ;; esac
  local c name method path body conns out auth cookie
  for name in $CASES; do
    auth="$token"; cookie=""
    case "$name" in
      patient_get)  method=GET;  path="/api/v1/patients/$patient"; body="" ;;
      patient_post) method=POST; path="/api/v1/patients"
                    body='{"given_name":"Load","family_name":"Test","birth_date":"1970-03-14"}' ;;
      log_post)     method=POST; path="/api/v1/patients/$KARI/logs"; auth="$KARI_TOKEN"
                    body='{"exercise_id":"ge-bend-to-knees","completion":"done","pain_before":2,"pain_after":3,"difficulty":3,"enjoyment":4}' ;;
      patient_home) method=GET;  path="/me"; body=""; auth=""; cookie="$KARI_COOKIE" ;;
      *) die "unknown case $name" ;;
    esac
    for conns in $CONNS; do
      log "sync=$sync $name c=$conns"
      out="$(WRK_METHOD="$method" WRK_BODY="$body" WRK_TOKEN="$auth" WRK_COOKIE="$cookie" \
             timeout 60 wrk -t"$WRK_THREADS" -c"$conns" -d"$DURATION" --timeout 10s \
             -s "$HERE/wrk/report.lua" "$BASE$path" 2>&1 || true)"
      printf '### sync=%s %s c=%s %s %s\n%s\n' "$sync" "$name" "$conns" "$method" "$path" "$out" >>"$raw"
      server_alive "$sync"
      echo "$out" | awk -v n="$name" -v s="$sync" -v c="$conns" '/^RESULT/{
          for(i=2;i<=NF;i++){split($i,kv,"=");v[kv[1]]=kv[2]}
          printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",n,s,c,v["rps"],v["p50_ms"],v["p90_ms"],v["p99_ms"],v["max_ms"],v["requests"],v["non2xx"],v["sock_errors"]}' >>"$tsv"
      # Let requests cut off by the end of the run finish before the next case (bounded).
      curl -s -o /dev/null --max-time 30 "$BASE/healthz" || true
      sleep 1
    done
  done
  stop_server
}

fsync_probe() {
  command -v python3 >/dev/null || { echo "n/a"; return; }
  python3 -c "
import os,time
p='$WORK/.fsync_probe'; fd=os.open(p,os.O_WRONLY|os.O_CREAT); l=[]
for i in range(100):
    os.write(fd,b'x'*4096); t=time.perf_counter(); os.fsync(fd); l.append((time.perf_counter()-t)*1e3)
os.close(fd); os.unlink(p); l.sort(); print('%.2f/%.2f' % (l[50], l[98]))"
}

mkdir -p "$RESULTS"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
raw="$RESULTS/rapport-$stamp.raw"
tsv="$RESULTS/rapport-$stamp.tsv"
printf "case\tsync\tconns\trps\tp50_ms\tp90_ms\tp99_ms\tmax_ms\trequests\tnon2xx\tsock_errors\n" >"$tsv"
for sync in $SYNCS; do
  bench "$sync" "$raw" "$tsv"
done
{
  echo "host fsync latency p50/p99 ms (4 KiB, same disk as the DB): $(fsync_probe)"
  echo "rapport $("$RAPPORT_BIN" --version | awk '{print $2}') (release) / SQLite WAL, --sqlite-sync as listed / wrk -t$WRK_THREADS -d$DURATION / $(nproc) cores"
  column -t -s $'\t' "$tsv"
  echo "raw: $raw"
} | tee "$RESULTS/rapport-$stamp.summary"
if awk -F'\t' 'NR>1 && ($10+0 > 0 || $11+0 > 0) {bad=1} END {exit !bad}' "$tsv"; then
  log "WARNING: some requests failed (non2xx or socket errors); see $raw"
fi
