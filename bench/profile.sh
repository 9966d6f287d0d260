#!/usr/bin/env bash
# Where Gatehouse's time per request goes: runs Gatehouse from source (src/main.ts, one worker)
# under `bun --cpu-prof` on one of the bench configs, drives it with wrk, stops it, and prints
# the top functions by self time (bench/profile-summary.ts), with µs per request.
#
#   bash bench/profile.sh MODE [SECONDS]       e.g. bash bench/profile.sh jwt 5
#
# MODE (the bench row it reproduces):
#   public        public route, access log on (the default)     bench/gatehouse.yaml.template
#   public-nolog  public route, access log off
#   jwt           GET with Authorization: Bearer (cached HS256) and Origin, header-jwt + preflight
#                 on the route                                   bench/gatehouse-jwt.yaml.template
#   preflight     OPTIONS preflight answered by the preflight plugin (same config as jwt)
#   cookie        trust cookie (cached ES256 session) + allow.groups, state: memory
#                                                                bench/gatehouse-auth.yaml.template
#   scale         10,000 routes (PROFILE_ROUTES), requests to an exact, a wildcard and a prefix route
# SECONDS: length of the measured wrk run (default 5), after a 1 s warm-up. Only the samples taken
# during the measured run are summarized (start-up and warm-up are left out).
#
# Needs wrk and nginx (the upstream). Settings (environment):
#   PROFILE_INTERVAL=250   sampling interval in µs        PROFILE_TOP=30    functions listed
#   PROFILE_OUT=/tmp/gatehouse-MODE.cpuprofile  where the profile is kept (open it in Chrome
#                          DevTools or speedscope); "" keeps none
#   PROFILE_ROUTES=10000   routes for MODE scale          BENCH_THREADS=2 BENCH_CONNECTIONS=64
#   BENCH_KEEP=1           keep the temporary folder (configs, Gatehouse's log, wrk output)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$ROOT/bench"
# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"

MODE=${1:-}
DURATION=${2:-5}
INTERVAL=${PROFILE_INTERVAL:-250}
TOP=${PROFILE_TOP:-30}
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
ROUTES=${PROFILE_ROUTES:-10000}
case "$MODE" in
  public | public-nolog | jwt | preflight | cookie | scale) ;;
  *)
    sed -n '2,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
for n in "$DURATION" "$INTERVAL" "$TOP" "$THREADS" "$CONNECTIONS" "$ROUTES"; do
  [[ "$n" =~ ^[0-9]+$ ]] || { warn "settings must be whole numbers (got \"$n\")"; exit 2; }
done
OUT=${PROFILE_OUT-/tmp/gatehouse-$MODE.cpuprofile}

find_tools
[[ -n "$BUN" ]] || { warn "bun not found (run npm install first)"; exit 1; }
[[ -n "$WRK" && -n "$NGINX" ]] || { warn "profile.sh needs wrk and nginx (apt-get install -y wrk nginx)"; exit 1; }
make_workdir gatehouse-profile
mkdir -p "$WORK/files" "$WORK/prof"

mapfile -t PORTS < <("$BUN" "$BENCH/free-ports.ts" 2)
((${#PORTS[@]} == 2)) || { warn "could not find free ports"; exit 1; }
P_UP=${PORTS[0]} P_GH=${PORTS[1]}

mkdir -p "$WORK/upstream"
render "$BENCH/upstream.nginx.conf.template" "$WORK/upstream/nginx.conf" "DIR=$WORK/upstream" "PORT=$P_UP" "WORKERS=1" "FILES=$WORK/files"
start_bg "$WORK/upstream/out.log" "$NGINX" -p "$WORK/upstream" -e "$WORK/upstream/error.log" -c "$WORK/upstream/nginx.conf"
wait_ready "http://127.0.0.1:$P_UP/" "$WORK/upstream/out.log" "upstream (nginx)"

CONFIG="$WORK/gatehouse.yaml"
WRK_ARGS=()
WAIT_HEADER=""
case "$MODE" in
  public | public-nolog)
    access=true
    [[ "$MODE" == public-nolog ]] && access=false
    render "$BENCH/gatehouse.yaml.template" "$CONFIG" "PORT=$P_GH" "WORKERS=1" "ACCESS_LOG=$access" "UPSTREAM_PORT=$P_UP"
    ;;
  jwt | preflight)
    render "$BENCH/gatehouse-jwt.yaml.template" "$CONFIG" "PORT=$P_GH" "WORKERS=1" "ACCESS_LOG=true" "UPSTREAM_PORT=$P_UP" \
      "ORIGIN=$BENCH_ORIGIN" "JWT_ISSUER=$JWT_ISSUER" "JWT_AUDIENCE=$JWT_AUDIENCE" "JWT_SECRET=$JWT_SECRET"
    TOKEN=$("$BUN" "$BENCH/mint-jwt.ts" "$JWT_SECRET" "$JWT_ISSUER" "$JWT_AUDIENCE") || { warn "could not mint a token"; exit 1; }
    WAIT_HEADER="Authorization: Bearer $TOKEN"
    if [[ "$MODE" == jwt ]]; then
      WRK_ARGS=(-H "Authorization: Bearer $TOKEN" -H "Origin: $BENCH_ORIGIN")
    else
      export BENCH_ORIGIN
      WRK_ARGS=(-s "$BENCH/preflight.lua")
    fi
    ;;
  cookie)
    (cd "$ROOT" && "$BUN" src/main.ts keys generate) >"$WORK/signing-key.pem" || { warn "keys generate failed"; exit 1; }
    mapfile -t MINTED < <("$BUN" "$BENCH/mint-session.ts" "$WORK/signing-key.pem")
    ((${#MINTED[@]} == 2)) || { warn "could not mint a session"; exit 1; }
    render "$BENCH/gatehouse-auth.yaml.template" "$CONFIG" "PORT=$P_GH" "WORKERS=1" "ACCESS_LOG=false" "STATE=memory" \
      "KEY_FILE=$WORK/signing-key.pem" "PASSWORD_HASH=${MINTED[1]//\$/\\$}" "UPSTREAM_PORT=$P_UP"
    WAIT_HEADER="Cookie: _gatehouse=${MINTED[0]}"
    WRK_ARGS=(-H "$WAIT_HEADER")
    ;;
  scale)
    mapfile -t HITS < <("$BUN" "$BENCH/gen-routes.ts" "$ROUTES" "$P_GH" "$P_UP" 1 true "$CONFIG")
    ((${#HITS[@]} == 3)) || { warn "could not generate the routes"; exit 1; }
    BENCH_HITS=$(IFS=';'; echo "${HITS[*]}")
    export BENCH_HITS
    WRK_ARGS=(-s "$BENCH/hosts.lua")
    ;;
esac

say "profiling Gatehouse ($MODE) from source under bun --cpu-prof (every ${INTERVAL} µs) ..."
start_bg "$WORK/gatehouse.log" "$BUN" --cpu-prof --cpu-prof-dir="$WORK/prof" --cpu-prof-interval="$INTERVAL" "$ROOT/src/main.ts" run -c "$CONFIG"
GH_PID=$!
export WAIT_HEADER
wait_ready "http://127.0.0.1:$P_GH/" "$WORK/gatehouse.log" "Gatehouse ($MODE)"
unset WAIT_HEADER

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
URL="http://127.0.0.1:$P_GH/"
timeout 30 "$WRK" -t"$THREADS" -c"$CONNECTIONS" -d1s "${WRK_ARGS[@]}" "$URL" >/dev/null 2>&1
FROM_US=$(date +%s%6N)
timeout $((DURATION + 30)) "$WRK" -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "${WRK_ARGS[@]}" "$URL" >"$WORK/wrk.txt" 2>&1 ||
  warn "wrk failed (its output follows)"
TO_US=$(date +%s%6N)
REQUESTS=$(awk '/ requests in / { print $1 }' "$WORK/wrk.txt")
shown=()
for a in "${WRK_ARGS[@]}"; do [[ "$a" == *': '* ]] && shown+=("'${a%%: *}: …'") || shown+=("$a"); done # values are long tokens
say "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s ${shown[*]}:"
grep -E 'Requests/sec|requests in|Non-2xx|Socket errors|^ +(50|99)%' "$WORK/wrk.txt" | sed 's/^/  /'

# Gatehouse drains for up to shutdown_timeout, then writes the profile as it exits.
stop_bg "$GH_PID" 150
PROFILE=$(ls "$WORK"/prof/*.cpuprofile 2>/dev/null | head -n1)
[[ -n "$PROFILE" ]] || { warn "no profile was written (Gatehouse's log: $WORK/gatehouse.log)"; tail -n 5 "$WORK/gatehouse.log" >&2; exit 1; }
if [[ -n "$OUT" ]]; then cp "$PROFILE" "$OUT" && PROFILE=$OUT; fi
say ""
"$BUN" "$BENCH/profile-summary.ts" "$PROFILE" --top "$TOP" --from "$FROM_US" --to "$TO_US" ${REQUESTS:+--requests "$REQUESTS"}
say ""
[[ -n "$OUT" ]] && say "profile kept at $OUT (Chrome DevTools > Performance, or speedscope)"
exit 0
