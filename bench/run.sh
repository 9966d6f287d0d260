#!/usr/bin/env bash
# Gatehouse vs nginx on loopback, measured with wrk.
#
#   npm run bench            (same as: bash bench/run.sh)
#
# In one run it starts, on free ports of 127.0.0.1 and inside one temporary folder:
#   - upstream: nginx answering GET with a fixed ~50-byte JSON body (bench/upstream.nginx.conf.template)
#   - nginx proxy_pass to it, tuned (bench/nginx.conf.template), one worker per core
#   - Gatehouse (the compiled dist/gatehouse; built if missing) proxying the same upstream, with
#     workers 1 and workers = nginx's worker count, access log off and on (on is the default)
#   - a minimal Bun.serve+fetch proxy (bench/ceiling-proxy.ts), the ceiling for a Bun proxy
#   - Gatehouse on a signed-in route (trust cookie + groups policy, bench/gatehouse-auth.yaml.template)
#     with state: memory and, when redis-server is installed, state: redis:// (a Redis it starts)
# then measures each with wrk, interleaved (A B C A B C ...), for several rounds, and prints a
# markdown table of medians (requests/s, p50/p99 latency, ratio to nginx). The table, the command
# and the date go to bench/RESULTS.md. Every server is stopped on exit.
#
# Exit status: 0 once the table is printed (a slow result does not fail anything), 0 with a note
# when wrk or nginx is not installed, 1 only when a server cannot be built or started.
#
# Settings (environment):
#   BENCH_DURATION=5          seconds per measurement        BENCH_WARMUP=1   warm-up seconds
#   BENCH_ROUNDS=3            interleaved rounds             BENCH_THREADS=2  wrk threads
#   BENCH_CONNECTIONS=64      wrk connections                BENCH_WORKERS=<cores> proxy workers
#   BENCH_UPSTREAM_WORKERS=1  upstream nginx workers         BENCH_CEILING=1  0 skips the Bun ceiling
#   BENCH_ACCESS_LOG_ON=1     0 skips the access-log-on rows BENCH_REBUILD=0  1 rebuilds dist/gatehouse
#   BENCH_GATEHOUSE_BIN=dist/gatehouse                       BENCH_RESULTS=bench/RESULTS.md ("" = don't write)
#   BENCH_KEEP=0              1 keeps the temporary folder (configs, logs, raw wrk output)
#   BENCH_AUTH=1              0 skips the signed-in rows
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$ROOT/bench"

DURATION=${BENCH_DURATION:-5}
WARMUP=${BENCH_WARMUP:-1}
ROUNDS=${BENCH_ROUNDS:-3}
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
CORES=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
WORKERS=${BENCH_WORKERS:-$CORES}
UPSTREAM_WORKERS=${BENCH_UPSTREAM_WORKERS:-1}
CEILING=${BENCH_CEILING:-1}
ACCESS_LOG_ON=${BENCH_ACCESS_LOG_ON:-1}
GATEHOUSE=${BENCH_GATEHOUSE_BIN:-$ROOT/dist/gatehouse}
RESULTS=${BENCH_RESULTS-$BENCH/RESULTS.md}

say() { printf '%s\n' "$*"; }
warn() { printf 'bench: %s\n' "$*" >&2; }

for n in "$DURATION" "$WARMUP" "$ROUNDS" "$THREADS" "$CONNECTIONS" "$WORKERS" "$UPSTREAM_WORKERS"; do
  [[ "$n" =~ ^[0-9]+$ ]] || { warn "settings must be whole numbers (got \"$n\")"; exit 2; }
done

# --- tools -----------------------------------------------------------------------------------
find_tool() {
  local name=$1 p
  p=$(command -v "$name" 2>/dev/null) && { echo "$p"; return 0; }
  for p in "/usr/sbin/$name" "/usr/local/sbin/$name" "/usr/local/bin/$name"; do
    [[ -x "$p" ]] && { echo "$p"; return 0; }
  done
  return 1
}
BUN=${BUN:-}
[[ -n "$BUN" ]] || BUN=$(find_tool bun 2>/dev/null || true)
[[ -x "$ROOT/node_modules/.bin/bun" ]] && BUN="$ROOT/node_modules/.bin/bun"
WRK=$(find_tool wrk || true)
NGINX=$(find_tool nginx || true)
if [[ -z "$BUN" ]]; then warn "bun not found (run npm install first)"; exit 1; fi
missing=()
[[ -n "$WRK" ]] || missing+=("wrk")
[[ -n "$NGINX" ]] || missing+=("nginx")
if ((${#missing[@]})); then
  say "bench skipped: ${missing[*]} not installed (Debian/Ubuntu: apt-get install -y ${missing[*]})."
  exit 0
fi

# --- Gatehouse binary ------------------------------------------------------------------------
if [[ ! -x "$GATEHOUSE" || "${BENCH_REBUILD:-0}" == 1 ]]; then
  if [[ "$GATEHOUSE" != "$ROOT/dist/gatehouse" ]]; then warn "$GATEHOUSE is not executable"; exit 1; fi
  say "building dist/gatehouse ..."
  (cd "$ROOT" && "$BUN" scripts/build.ts) || { warn "build failed"; exit 1; }
elif [[ "$GATEHOUSE" == "$ROOT/dist/gatehouse" ]] && [[ -n "$(find "$ROOT/src" -name '*.ts' -newer "$GATEHOUSE" -print -quit 2>/dev/null)" ]]; then
  warn "dist/gatehouse is older than src/ (BENCH_REBUILD=1 rebuilds it); measuring it as it is"
fi

# --- temporary folder, process tracking, cleanup ---------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-bench.XXXXXX") || { warn "mktemp failed"; exit 1; }
chmod 755 "$WORK" # nginx workers run as "nobody" when started by root
RAW="$WORK/raw"
mkdir -p "$RAW"
PIDS=()

# Each server runs in its own session (setsid), so stopping its process group also stops the
# children (nginx workers, Gatehouse workers).
start_bg() { # log-file command...
  local log=$1
  shift
  if command -v setsid >/dev/null 2>&1; then
    setsid "$@" >>"$log" 2>&1 </dev/null &
  else
    "$@" >>"$log" 2>&1 </dev/null &
  fi
  PIDS+=("$!")
}

cleanup() {
  local pid i
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null; done
  # Gatehouse drains for up to shutdown_timeout; the bench does not need to wait that long.
  for i in $(seq 1 30); do
    local alive=0
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for pid in "${PIDS[@]}"; do kill -KILL -- "-$pid" 2>/dev/null; kill -KILL "$pid" 2>/dev/null; done
  wait 2>/dev/null
  if [[ "${BENCH_KEEP:-0}" == 1 ]]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail_start() { # name log
  warn "$1 did not start; last lines of its log ($2):"
  tail -n 20 "$2" >&2 2>/dev/null
  exit 1
}

render() { # template output KEY=VALUE...
  local template=$1 out=$2 expr=() kv
  shift 2
  for kv in "$@"; do expr+=(-e "s|{{${kv%%=*}}}|${kv#*=}|g"); done
  sed "${expr[@]}" "$template" >"$out"
}

wait_ready() { # url log name (the server is the last one started)
  "$BUN" "$BENCH/wait-ready.ts" "$1" 15000 "${PIDS[-1]}" >>"$2" 2>&1 || fail_start "$3" "$2"
}

# --- ports -----------------------------------------------------------------------------------
mapfile -t PORTS < <("$BUN" "$BENCH/free-ports.ts" 11)
((${#PORTS[@]} == 11)) || { warn "could not find free ports"; exit 1; }
P_UP=${PORTS[0]} P_NGINX=${PORTS[1]} P_GH1=${PORTS[2]} P_GHN=${PORTS[3]} P_GH1L=${PORTS[4]} P_GHNL=${PORTS[5]} P_CEIL1=${PORTS[6]} P_CEILN=${PORTS[7]}
P_REDIS=${PORTS[8]} P_AUTHM=${PORTS[9]} P_AUTHR=${PORTS[10]}

# Rows of the table, in measuring order: id, name, kind, workers, access log, URL.
TARGETS=()
declare -A SID # target id -> session id of its processes (for their CPU time)
declare -A HDR # target id -> a request header wrk sends (the signed-in rows' cookie)
add_target() { TARGETS+=("$1"$'\t'"$2"$'\t'"$3"$'\t'"$4"$'\t'"$5"$'\t'"$6"); }

start_nginx() { # id port template workers name [UPSTREAM_PORT]
  local id=$1 port=$2 template=$3 workers=$4 name=$5 dir="$WORK/$1"
  mkdir -p "$dir"
  render "$template" "$dir/nginx.conf" "DIR=$dir" "PORT=$port" "WORKERS=$workers" "UPSTREAM_PORT=$P_UP"
  start_bg "$dir/out.log" "$NGINX" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf"
  SID[$id]=$!
  wait_ready "http://127.0.0.1:$port/" "$dir/out.log" "$name"
  if [[ -s "$dir/error.log" ]] && grep -qE '\[(emerg|alert|crit)\]' "$dir/error.log"; then fail_start "$name" "$dir/error.log"; fi
}

start_gatehouse() { # id port workers access_log name
  local id=$1 port=$2 workers=$3 access=$4 name=$5 dir="$WORK/$1" i
  mkdir -p "$dir"
  render "$BENCH/gatehouse.yaml.template" "$dir/gatehouse.yaml" "PORT=$port" "WORKERS=$workers" "ACCESS_LOG=$access" "UPSTREAM_PORT=$P_UP"
  start_bg "$dir/out.log" "$GATEHOUSE" run -c "$dir/gatehouse.yaml"
  SID[$id]=$!
  wait_ready "http://127.0.0.1:$port/" "$dir/out.log" "$name"
  for i in $(seq 1 150); do # every worker listening
    (($(grep -c '"gatehouse listening"' "$dir/out.log") >= workers)) && return 0
    sleep 0.1
  done
  fail_start "$name (all $workers workers)" "$dir/out.log"
}

start_gatehouse_auth() { # id port workers state name
  local id=$1 port=$2 workers=$3 state=$4 name=$5 dir="$WORK/$1" i
  mkdir -p "$dir"
  render "$BENCH/gatehouse-auth.yaml.template" "$dir/gatehouse.yaml" "PORT=$port" "WORKERS=$workers" "STATE=$state" \
    "KEY_FILE=$WORK/signing-key.pem" "PASSWORD_HASH=$PASSWORD_HASH" "UPSTREAM_PORT=$P_UP"
  start_bg "$dir/out.log" "$GATEHOUSE" run -c "$dir/gatehouse.yaml"
  SID[$id]=$!
  # Ready means the minted cookie really opens the route.
  export WAIT_HEADER="Cookie: _gatehouse=${MINTED[0]}"
  wait_ready "http://127.0.0.1:$port/" "$dir/out.log" "$name"
  unset WAIT_HEADER
  for i in $(seq 1 150); do
    (($(grep -c '"gatehouse listening"' "$dir/out.log") >= workers)) && return 0
    sleep 0.1
  done
  fail_start "$name (all $workers workers)" "$dir/out.log"
}

start_ceiling() { # id port copies name
  local id=$1 port=$2 copies=$3 name=$4 dir="$WORK/$1"
  mkdir -p "$dir"
  # One session for all copies, so their CPU time is summed and they stop together.
  start_bg "$dir/out.log" env PORT="$port" UPSTREAM="http://127.0.0.1:$P_UP" bash -c \
    'for _ in $(seq 1 "$1"); do "$2" "$3" & done; wait' ceiling "$copies" "$BUN" "$BENCH/ceiling-proxy.ts"
  SID[$id]=$!
  wait_ready "http://127.0.0.1:$port/" "$dir/out.log" "$name"
}

LOADAVG_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
say "starting servers in $WORK (wrk, upstream and proxies share $CORES cores) ..."
start_nginx upstream "$P_UP" "$BENCH/upstream.nginx.conf.template" "$UPSTREAM_WORKERS" "upstream (nginx)"
add_target upstream "upstream direct (nginx return 200)" upstream "$UPSTREAM_WORKERS" off "http://127.0.0.1:$P_UP/"
start_nginx nginx "$P_NGINX" "$BENCH/nginx.conf.template" "$WORKERS" "nginx proxy"
add_target nginx "nginx proxy_pass" nginx "$WORKERS" off "http://127.0.0.1:$P_NGINX/"
start_gatehouse gh-w1 "$P_GH1" 1 false "Gatehouse (workers 1)"
add_target gh-w1 "Gatehouse" gatehouse 1 off "http://127.0.0.1:$P_GH1/"
if ((WORKERS > 1)); then
  start_gatehouse gh-wn "$P_GHN" "$WORKERS" false "Gatehouse (workers $WORKERS)"
  add_target gh-wn "Gatehouse" gatehouse "$WORKERS" off "http://127.0.0.1:$P_GHN/"
fi
if [[ "$ACCESS_LOG_ON" == 1 ]]; then
  start_gatehouse gh-w1-log "$P_GH1L" 1 true "Gatehouse (workers 1, access log)"
  add_target gh-w1-log "Gatehouse" gatehouse 1 "on (default)" "http://127.0.0.1:$P_GH1L/"
  if ((WORKERS > 1)); then
    start_gatehouse gh-wn-log "$P_GHNL" "$WORKERS" true "Gatehouse (workers $WORKERS, access log)"
    add_target gh-wn-log "Gatehouse" gatehouse "$WORKERS" "on (default)" "http://127.0.0.1:$P_GHNL/"
  fi
fi
if [[ "${BENCH_AUTH:-1}" == 1 ]]; then
  "$GATEHOUSE" keys generate >"$WORK/signing-key.pem" || { warn "keys generate failed"; exit 1; }
  mapfile -t MINTED < <("$BUN" "$BENCH/mint-session.ts" "$WORK/signing-key.pem")
  ((${#MINTED[@]} == 2)) || { warn "could not mint a session for the signed-in rows"; exit 1; }
  PASSWORD_HASH=${MINTED[1]//\$/\\$}
  start_gatehouse_auth gh-auth-mem "$P_AUTHM" 1 memory "Gatehouse signed in (state: memory)"
  add_target gh-auth-mem "Gatehouse, trust cookie + allow.groups, state: memory" gatehouse-auth 1 off "http://127.0.0.1:$P_AUTHM/"
  HDR[gh-auth-mem]="Cookie: _gatehouse=${MINTED[0]}"
  REDIS=$(find_tool redis-server || true)
  if [[ -n "$REDIS" ]]; then
    start_bg "$WORK/redis.log" "$REDIS" --port "$P_REDIS" --bind 127.0.0.1 --save '' --appendonly no
    for i in $(seq 1 50); do "$BUN" -e "const s=await Bun.connect({hostname:'127.0.0.1',port:$P_REDIS,socket:{data(){}}});s.end()" 2>/dev/null && break; sleep 0.1; done
    start_gatehouse_auth gh-auth-redis "$P_AUTHR" 1 "redis://127.0.0.1:$P_REDIS/0" "Gatehouse signed in (state: redis)"
    add_target gh-auth-redis "Gatehouse, trust cookie + allow.groups, state: redis" gatehouse-auth 1 off "http://127.0.0.1:$P_AUTHR/"
    HDR[gh-auth-redis]="${HDR[gh-auth-mem]}"
  else
    warn "redis-server not installed: the state: redis row is skipped"
  fi
fi
if [[ "$CEILING" == 1 ]]; then
  start_ceiling ceil-w1 "$P_CEIL1" 1 "Bun ceiling proxy"
  add_target ceil-w1 "Bun.serve+fetch ceiling" ceiling 1 off "http://127.0.0.1:$P_CEIL1/"
  if ((WORKERS > 1)); then
    start_ceiling ceil-wn "$P_CEILN" "$WORKERS" "Bun ceiling proxy ($WORKERS processes)"
    add_target ceil-wn "Bun.serve+fetch ceiling" ceiling "$WORKERS" off "http://127.0.0.1:$P_CEILN/"
  fi
fi
: >"$RAW/targets.tsv"
for t in "${TARGETS[@]}"; do printf '%s\n' "${t%$'\t'*}" >>"$RAW/targets.tsv"; done

# --- measure ---------------------------------------------------------------------------------
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
# CPU time (user+system, clock ticks) of every process in a session: a server's master and
# workers. Divided by the requests served, it is the proxy's CPU cost per request, which other
# load on the machine disturbs less than requests/s.
session_ticks() {
  cat /proc/[0-9]*/stat 2>/dev/null | awk -v sid="$1" '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " "); if (f[4] == sid) t += f[12] + f[13] } END { print t + 0 }'
}
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
LIMIT=$((WARMUP + DURATION + 30))
say "measuring ${#TARGETS[@]} targets x $ROUNDS rounds: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s (after a ${WARMUP}s warm-up) ..."
for round in $(seq 1 "$ROUNDS"); do
  for t in "${TARGETS[@]}"; do
    IFS=$'\t' read -r id name _kind workers access url <<<"$t"
    out="$RAW/$id.r$round.txt"
    hdr=()
    [[ -n "${HDR[$id]:-}" ]] && hdr=(-H "${HDR[$id]}")
    if ((WARMUP > 0)); then timeout "$LIMIT" "$WRK" -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "${hdr[@]}" "$url" >/dev/null 2>&1; fi
    t0=$(session_ticks "${SID[$id]}")
    timeout "$LIMIT" "$WRK" -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 5s --latency "${hdr[@]}" "$url" >"$out" 2>&1 ||
      warn "wrk failed on $name (round $round); see the table's failed count"
    t1=$(session_ticks "${SID[$id]}")
    echo "$((t1 - t0)) $CLK_TCK" >"$RAW/$id.r$round.cpu"
    rps=$(awk '/Requests\/sec:/ { printf "%d", $2 }' "$out")
    printf '  round %s/%s  %-44s %8s req/s\n' "$round" "$ROUNDS" "$name (w$workers, log $access)" "${rps:-n/a}"
    # Keep access logs from filling the disk; nothing reads them.
    [[ -f "$WORK/$id/out.log" && "$access" != off ]] && : >"$WORK/$id/out.log"
  done
done

# --- summarize -------------------------------------------------------------------------------
cmd="bash bench/run.sh"
[[ "${npm_lifecycle_event:-}" == bench ]] && cmd="npm run bench"
envs=$(env | grep -E '^BENCH_[A-Z_]+=' | sort | tr '\n' ' ')
{
  echo "COMMAND=${envs}${cmd}"
  echo "DATE=$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "MACHINE=$CORES cores ($(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ *//' || uname -m)), $(uname -sr)"
  echo "VERSIONS=gatehouse $("$GATEHOUSE" version 2>/dev/null | head -n1), bun $("$BUN" --version 2>/dev/null), $("$NGINX" -v 2>&1 | sed 's/^nginx version: //'), $("$WRK" -v 2>&1 | head -n1 | cut -d' ' -f1-2)"
  echo "THREADS=$THREADS"
  echo "CONNECTIONS=$CONNECTIONS"
  echo "DURATION=${DURATION}s"
  echo "WARMUP=${WARMUP}s"
  echo "ROUNDS=$ROUNDS"
  echo "CORES=$CORES"
  echo "UPSTREAM_WORKERS=$UPSTREAM_WORKERS"
  echo "LOADAVG_BEFORE=$LOADAVG_BEFORE"
  echo "BODY_BYTES=$("$BUN" -e "console.log((await (await fetch('http://127.0.0.1:$P_UP/')).arrayBuffer()).byteLength)" 2>/dev/null || echo '~50')"
} >"$RAW/meta.env"

say ""
if [[ -n "$RESULTS" ]]; then
  "$BUN" "$BENCH/summarize.ts" "$RAW" --write "$RESULTS" || warn "summarize failed (raw output kept with BENCH_KEEP=1)"
  say ""
  say "written to ${RESULTS#"$ROOT"/}"
else
  "$BUN" "$BENCH/summarize.ts" "$RAW" || warn "summarize failed (raw output kept with BENCH_KEEP=1)"
fi
exit 0
