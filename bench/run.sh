#!/usr/bin/env bash
# Gatehouse vs nginx and a bare Bun proxy on loopback, measured with wrk (issue 14's bench).
#
#   npm run bench            (same as: bash bench/run.sh)       ~7-8 minutes with the defaults
#   BENCH_DURATION=2 BENCH_ROUNDS=1 BENCH_LARGE=0 BENCH_SCALE=0 bash bench/run.sh   (a quick look)
#
# In one run it starts, on free ports of 127.0.0.1 and inside one temporary folder:
#   - upstream: nginx answering GET with a fixed ~50-byte JSON body and serving /files/ (a 1 MiB
#     file and a sparse 1 GiB one) (bench/upstream.nginx.conf.template)
#   - nginx proxy_pass to it, tuned (bench/nginx.conf.template), one worker per core
#   - Caddy reverse_proxy to it (bench/Caddyfile.template), when caddy is installed
#   - Gatehouse (the compiled dist/gatehouse; built if missing) on a public route, workers 1 and
#     workers = nginx's worker count, access log off and on (on is the default)
#   - the bare Bun proxy: Bun.serve + fetch (bench/ceiling-proxy.ts), 1 and N processes
#   - the floor: that proxy plus only what Gatehouse must do to every request (peer address,
#     request id, header strip and forwarding headers, trace context, upstream deadline, access
#     line; bench/obligations-proxy.ts), 1 and N processes; it also answers the preflight row
#   - Gatehouse with header-jwt (a cached HS256 token) + preflight on the route
#     (bench/gatehouse-jwt.yaml.template), GET with Authorization and Origin
#   - nginx auth_request to an external verifier on a unix socket (bench/nginx-auth.conf.template,
#     bench/auth-verifier.ts): the usual nginx + oauth2-proxy setup, same token
#   - Gatehouse on a signed-in route (trust cookie + groups policy, bench/gatehouse-auth.yaml.template)
#     with state: memory and, when redis-server is installed, state: redis:// (a Redis it starts)
#   - CORS preflights (OPTIONS, bench/preflight.lua): answered by Gatehouse's preflight plugin,
#     by a bare Bun.serve 204 (bench/bare-204.ts) and by nginx `return 204`
#     (bench/nginx-preflight.conf.template)
#   - 1 MiB responses through nginx, the bare Bun proxy and Gatehouse; then one 1 GiB download
#     through each (curl), with the proxy's RSS sampled during the transfer
#     (bench/stream-download.ts)
#   - Gatehouse with 10 and with 10,000 routes (bench/gen-routes.ts; exact hosts, wildcards,
#     prefixes; bench/hosts.lua requests the last route of each kind); then 10,000 idle keep-alive
#     connections held open to a fresh Gatehouse, with its RSS (bench/idle-clients.ts)
# It measures the wrk rows interleaved (A B C A B C ...) for several rounds and prints markdown
# tables of medians: requests/s, ratio to nginx and to the bare Bun server of the same group,
# p50/p99 latency, CPU µs per request of the server's processes, errors; then the 1 GiB and
# idle-connection results and each issue-14 target as MET / NOT MET. The tables, the command
# and the date go to bench/RESULTS.md. Every server is stopped on exit.
#
# Exit status: 0 once the table is printed (a slow result does not fail anything), 0 with a note
# when wrk or nginx is not installed, 1 only when a server cannot be built or started.
#
# Settings (environment):
#   BENCH_DURATION=5          seconds per measurement        BENCH_WARMUP=1   warm-up seconds
#   BENCH_ROUNDS=3            interleaved rounds             BENCH_THREADS=2  wrk threads
#   BENCH_CONNECTIONS=64      wrk connections                BENCH_WORKERS=<cores> proxy workers
#   BENCH_UPSTREAM_WORKERS=1  upstream nginx workers         BENCH_CEILING=1  0 skips the bare Bun rows
#   BENCH_ACCESS_LOG_ON=1     0 skips the access-log-on rows BENCH_REBUILD=0  1 rebuilds dist/gatehouse
#   BENCH_GATEHOUSE_BIN=dist/gatehouse                       BENCH_RESULTS=bench/RESULTS.md ("" = don't write)
#   BENCH_KEEP=0              1 keeps the temporary folder (configs, logs, raw wrk output)
#   BENCH_AUTH=1              0 skips the trust-cookie rows  BENCH_JWT=1      0 skips header-jwt + nginx auth_request
#   BENCH_PREFLIGHT=1         0 skips the preflight rows     BENCH_LARGE=1    0 skips the 1 MiB rows and 1 GiB downloads
#   BENCH_STREAM_MIB=1024     size of the large download     BENCH_STREAM_LIMIT=60  seconds allowed per download
#   BENCH_SCALE=1             0 skips the 10/10,000-route rows and the idle connections
#   BENCH_SCALE_ROUTES=10000  routes of the large config     BENCH_IDLE_CONNECTIONS=10000  idle connections
#   BENCH_IDLE_HOLD=3         seconds the idle connections sit before RSS is read
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$ROOT/bench"
# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"

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
AUTH=${BENCH_AUTH:-1}
JWT=${BENCH_JWT:-1}
PREFLIGHT=${BENCH_PREFLIGHT:-1}
LARGE=${BENCH_LARGE:-1}
STREAM_MIB=${BENCH_STREAM_MIB:-1024}
STREAM_LIMIT=${BENCH_STREAM_LIMIT:-60}
SCALE=${BENCH_SCALE:-1}
SCALE_ROUTES=${BENCH_SCALE_ROUTES:-10000}
IDLE_CONNECTIONS=${BENCH_IDLE_CONNECTIONS:-10000}
IDLE_HOLD=${BENCH_IDLE_HOLD:-3}
GATEHOUSE=${BENCH_GATEHOUSE_BIN:-$ROOT/dist/gatehouse}
RESULTS=${BENCH_RESULTS-$BENCH/RESULTS.md}

for n in "$DURATION" "$WARMUP" "$ROUNDS" "$THREADS" "$CONNECTIONS" "$WORKERS" "$UPSTREAM_WORKERS" "$STREAM_MIB" "$STREAM_LIMIT" \
  "$SCALE_ROUTES" "$IDLE_CONNECTIONS" "$IDLE_HOLD"; do
  [[ "$n" =~ ^[0-9]+$ ]] || { warn "settings must be whole numbers (got \"$n\")"; exit 2; }
done
((SCALE_ROUTES >= 10)) || { warn "BENCH_SCALE_ROUTES must be at least 10"; exit 2; }

# --- tools -----------------------------------------------------------------------------------
find_tools
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
elif [[ "$GATEHOUSE" == "$ROOT/dist/gatehouse" ]] && [[ -n "$(find "$ROOT/src" "$ROOT/plugins" -name '*.ts' -newer "$GATEHOUSE" -print -quit 2>/dev/null)" ]]; then
  warn "dist/gatehouse is older than src/ or plugins/ (BENCH_REBUILD=1 rebuilds it); measuring it as it is"
fi

# --- temporary folder, files -----------------------------------------------------------------
make_workdir gatehouse-bench
RAW="$WORK/raw"
FILES="$WORK/files"
mkdir -p "$RAW" "$FILES"
STREAM_BYTES=$((STREAM_MIB * 1024 * 1024))
if [[ "$LARGE" == 1 ]]; then
  head -c 1048576 /dev/urandom >"$FILES/1m.bin"
  # Sparse: no disk space used, nginx reads zero pages.
  truncate -s "$STREAM_BYTES" "$FILES/stream.bin" || { warn "could not make the ${STREAM_MIB} MiB file"; exit 1; }
fi
# Each connection is a file descriptor (wrk, idle clients, every server): raise the soft limit.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
FD_LIMIT=$(ulimit -n)

# --- ports -----------------------------------------------------------------------------------
PORT_NAMES=(UP NGINX CADDY GH1 GHN GH1L GHNL CEIL1 CEILN FLOOR1 FLOORN REDIS AUTHM AUTHR JWT NGINX_AUTH BARE204 NGINX204 SCALE_S SCALE_L STREAM IDLE)
mapfile -t PORTS < <("$BUN" "$BENCH/free-ports.ts" "${#PORT_NAMES[@]}")
((${#PORTS[@]} == ${#PORT_NAMES[@]})) || { warn "could not find free ports"; exit 1; }
for i in "${!PORT_NAMES[@]}"; do printf -v "P_${PORT_NAMES[$i]}" '%s' "${PORTS[$i]}"; done

# Rows, in measuring order: id, name, kind, workers, access log, URL, group. A group's rows are
# compared with its `nginx` and `ceiling` (bare Bun) rows; groups without them use the main ones.
TARGETS=()
declare -A SID  # target id -> session id(s) of its processes (for their CPU time)
declare -A HDR  # target id -> request headers wrk sends, newline-separated
declare -A LUA  # target id -> wrk script
declare -A HITS # target id -> BENCH_HITS for bench/hosts.lua
declare -A LOG  # target id -> the server's log folder, when it differs from WORK/<id>
add_target() { TARGETS+=("$1"$'\t'"$2"$'\t'"$3"$'\t'"$4"$'\t'"$5"$'\t'"$6"$'\t'"$7"); }

start_nginx() { # id port template workers name [KEY=VALUE...]
  local id=$1 port=$2 template=$3 workers=$4 name=$5 dir="$WORK/$1"
  shift 5
  mkdir -p "$dir"
  render "$template" "$dir/nginx.conf" "DIR=$dir" "PORT=$port" "WORKERS=$workers" "UPSTREAM_PORT=$P_UP" "FILES=$FILES" "ORIGIN=$BENCH_ORIGIN" "$@"
  start_bg "$dir/out.log" "$NGINX" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf"
  SID[$id]=$!
  wait_ready "http://127.0.0.1:$port/" "$dir/out.log" "$name"
  if [[ -s "$dir/error.log" ]] && grep -qE '\[(emerg|alert|crit)\]' "$dir/error.log"; then fail_start "$name" "$dir/error.log"; fi
}

# Starts dist/gatehouse on WORK/<id>/gatehouse.yaml (written by the caller) and waits for every
# worker. WAIT_HEADER, when set, goes with the readiness request.
start_gatehouse_config() { # id port workers name [ready_timeout_ms]
  local id=$1 port=$2 workers=$3 name=$4 dir="$WORK/$1"
  start_bg "$dir/out.log" "$GATEHOUSE" run -c "$dir/gatehouse.yaml"
  SID[$id]=$!
  export WAIT_HEADER=${WAIT_HEADER:-}
  wait_ready "http://127.0.0.1:$port/" "$dir/out.log" "$name" "${5:-15000}"
  unset WAIT_HEADER
  wait_listening "$dir/out.log" "$workers" "$name"
}

start_gatehouse() { # id port workers access_log name
  local id=$1 port=$2 workers=$3 access=$4 name=$5
  mkdir -p "$WORK/$id"
  render "$BENCH/gatehouse.yaml.template" "$WORK/$id/gatehouse.yaml" "PORT=$port" "WORKERS=$workers" "ACCESS_LOG=$access" "UPSTREAM_PORT=$P_UP"
  start_gatehouse_config "$id" "$port" "$workers" "$name"
}

start_gatehouse_auth() { # id port workers state name
  local id=$1 port=$2 workers=$3 state=$4 name=$5
  mkdir -p "$WORK/$id"
  render "$BENCH/gatehouse-auth.yaml.template" "$WORK/$id/gatehouse.yaml" "PORT=$port" "WORKERS=$workers" "STATE=$state" "ACCESS_LOG=false" \
    "KEY_FILE=$WORK/signing-key.pem" "PASSWORD_HASH=$PASSWORD_HASH" "UPSTREAM_PORT=$P_UP"
  # Ready means the minted cookie really opens the route.
  WAIT_HEADER="Cookie: _gatehouse=${MINTED[0]}" start_gatehouse_config "$id" "$port" "$workers" "$name"
}

start_bun_copies() { # id port copies script name [ENV=VALUE...]: copies of a Bun script on one port
  local id=$1 port=$2 copies=$3 script=$4 name=$5 dir="$WORK/$1"
  shift 5
  mkdir -p "$dir"
  # One session for all copies, so their CPU time is summed and they stop together.
  start_bg "$dir/out.log" env PORT="$port" UPSTREAM="http://127.0.0.1:$P_UP" ORIGIN="$BENCH_ORIGIN" "$@" bash -c \
    'for _ in $(seq 1 "$1"); do "$2" "$3" & done; wait' copies "$copies" "$BUN" "$script"
  SID[$id]=$!
  wait_ready "http://127.0.0.1:$port/" "$dir/out.log" "$name"
}

LOADAVG_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
say "starting servers in $WORK (wrk, upstream and proxies share $CORES cores) ..."
start_nginx upstream "$P_UP" "$BENCH/upstream.nginx.conf.template" "$UPSTREAM_WORKERS" "upstream (nginx)"
add_target upstream "upstream direct (nginx return 200)" upstream "$UPSTREAM_WORKERS" off "http://127.0.0.1:$P_UP/" main
start_nginx nginx "$P_NGINX" "$BENCH/nginx.conf.template" "$WORKERS" "nginx proxy"
add_target nginx "nginx proxy_pass" nginx "$WORKERS" off "http://127.0.0.1:$P_NGINX/" main
CADDY=$(find_tool caddy || true)
if [[ -n "$CADDY" ]]; then
  mkdir -p "$WORK/caddy"
  render "$BENCH/Caddyfile.template" "$WORK/caddy/Caddyfile" "PORT=$P_CADDY" "UPSTREAM_PORT=$P_UP"
  # Caddy keeps its data under HOME / XDG_*; point them at the temporary folder.
  start_bg "$WORK/caddy/out.log" env HOME="$WORK/caddy" XDG_DATA_HOME="$WORK/caddy" XDG_CONFIG_HOME="$WORK/caddy" \
    "$CADDY" run --config "$WORK/caddy/Caddyfile" --adapter caddyfile
  SID[caddy]=$!
  wait_ready "http://127.0.0.1:$P_CADDY/" "$WORK/caddy/out.log" "caddy reverse_proxy"
  add_target caddy "Caddy reverse_proxy (one process, every core)" caddy 1 off "http://127.0.0.1:$P_CADDY/" main
else
  say "no Caddy row: caddy is not installed (Debian/Ubuntu: apt-get install -y caddy)"
fi
start_gatehouse gh-w1 "$P_GH1" 1 false "Gatehouse (workers 1)"
add_target gh-w1 "Gatehouse, public route" gatehouse 1 off "http://127.0.0.1:$P_GH1/" main
if ((WORKERS > 1)); then
  start_gatehouse gh-wn "$P_GHN" "$WORKERS" false "Gatehouse (workers $WORKERS)"
  add_target gh-wn "Gatehouse, public route" gatehouse "$WORKERS" off "http://127.0.0.1:$P_GHN/" main
fi
# The Gatehouse of the 1 MiB row: the default config (access log on) when measured.
GH_DEFAULT=gh-wn GH_DEFAULT_PORT=$P_GHN GH_DEFAULT_LOG=off
((WORKERS > 1)) || GH_DEFAULT=gh-w1 GH_DEFAULT_PORT=$P_GH1
if [[ "$ACCESS_LOG_ON" == 1 ]]; then
  start_gatehouse gh-w1-log "$P_GH1L" 1 true "Gatehouse (workers 1, access log)"
  add_target gh-w1-log "Gatehouse, public route" gatehouse 1 "on (default)" "http://127.0.0.1:$P_GH1L/" main
  GH_DEFAULT=gh-w1-log GH_DEFAULT_PORT=$P_GH1L GH_DEFAULT_LOG="on (default)"
  if ((WORKERS > 1)); then
    start_gatehouse gh-wn-log "$P_GHNL" "$WORKERS" true "Gatehouse (workers $WORKERS, access log)"
    add_target gh-wn-log "Gatehouse, public route" gatehouse "$WORKERS" "on (default)" "http://127.0.0.1:$P_GHNL/" main
    GH_DEFAULT=gh-wn-log GH_DEFAULT_PORT=$P_GHNL
  fi
fi
if [[ "$JWT" == 1 || "$PREFLIGHT" == 1 ]]; then
  TOKEN=$("$BUN" "$BENCH/mint-jwt.ts" "$JWT_SECRET" "$JWT_ISSUER" "$JWT_AUDIENCE") || { warn "could not mint a token"; exit 1; }
  mkdir -p "$WORK/gh-jwt"
  render "$BENCH/gatehouse-jwt.yaml.template" "$WORK/gh-jwt/gatehouse.yaml" "PORT=$P_JWT" "WORKERS=$WORKERS" "ACCESS_LOG=true" "UPSTREAM_PORT=$P_UP" \
    "ORIGIN=$BENCH_ORIGIN" "JWT_ISSUER=$JWT_ISSUER" "JWT_AUDIENCE=$JWT_AUDIENCE" "JWT_SECRET=$JWT_SECRET"
  WAIT_HEADER="Authorization: Bearer $TOKEN" start_gatehouse_config gh-jwt "$P_JWT" "$WORKERS" "Gatehouse (header-jwt + preflight)"
fi
if [[ "$JWT" == 1 ]]; then
  add_target gh-jwt "Gatehouse, header-jwt (cached HS256) + preflight" gatehouse "$WORKERS" "on (default)" "http://127.0.0.1:$P_JWT/" main
  HDR[gh-jwt]="Authorization: Bearer $TOKEN"$'\n'"Origin: $BENCH_ORIGIN"
  mkdir -p "$WORK/verifier"
  start_bg "$WORK/verifier/out.log" env SOCKET="$WORK/verifier/verifier.sock" JWT_SECRET="$JWT_SECRET" JWT_ISSUER="$JWT_ISSUER" \
    JWT_AUDIENCE="$JWT_AUDIENCE" "$BUN" "$BENCH/auth-verifier.ts"
  VERIFIER_SID=$!
  for i in $(seq 1 100); do [[ -S "$WORK/verifier/verifier.sock" ]] && break; sleep 0.1; done
  [[ -S "$WORK/verifier/verifier.sock" ]] || fail_start "auth verifier" "$WORK/verifier/out.log"
  export WAIT_HEADER="Authorization: Bearer $TOKEN"
  start_nginx nginx-auth "$P_NGINX_AUTH" "$BENCH/nginx-auth.conf.template" "$WORKERS" "nginx auth_request" "VERIFIER_SOCKET=$WORK/verifier/verifier.sock"
  unset WAIT_HEADER
  SID[nginx-auth]="${SID[nginx-auth]} $VERIFIER_SID" # its CPU time includes the verifier's
  add_target nginx-auth "nginx auth_request to a Bun verifier (unix socket), same token" nginx-auth "$WORKERS" off "http://127.0.0.1:$P_NGINX_AUTH/" main
  HDR[nginx-auth]=${HDR[gh-jwt]}
fi
if [[ "$AUTH" == 1 ]]; then
  "$GATEHOUSE" keys generate >"$WORK/signing-key.pem" || { warn "keys generate failed"; exit 1; }
  mapfile -t MINTED < <("$BUN" "$BENCH/mint-session.ts" "$WORK/signing-key.pem")
  ((${#MINTED[@]} == 2)) || { warn "could not mint a session for the signed-in rows"; exit 1; }
  PASSWORD_HASH=${MINTED[1]//\$/\\$}
  start_gatehouse_auth gh-auth-mem "$P_AUTHM" 1 memory "Gatehouse signed in (state: memory)"
  add_target gh-auth-mem "Gatehouse, trust cookie + allow.groups, state: memory" gatehouse-auth 1 off "http://127.0.0.1:$P_AUTHM/" main
  HDR[gh-auth-mem]="Cookie: _gatehouse=${MINTED[0]}"
  REDIS=$(find_tool redis-server || true)
  if [[ -n "$REDIS" ]]; then
    start_bg "$WORK/redis.log" "$REDIS" --port "$P_REDIS" --bind 127.0.0.1 --save '' --appendonly no
    for i in $(seq 1 50); do "$BUN" -e "const s=await Bun.connect({hostname:'127.0.0.1',port:$P_REDIS,socket:{data(){}}});s.end()" 2>/dev/null && break; sleep 0.1; done
    start_gatehouse_auth gh-auth-redis "$P_AUTHR" 1 "redis://127.0.0.1:$P_REDIS/0" "Gatehouse signed in (state: redis)"
    add_target gh-auth-redis "Gatehouse, trust cookie + allow.groups, state: redis" gatehouse-auth 1 off "http://127.0.0.1:$P_AUTHR/" main
    HDR[gh-auth-redis]="${HDR[gh-auth-mem]}"
  else
    warn "redis-server not installed: the state: redis row is skipped"
  fi
fi
FLOOR_NAME="Bun proxy doing only Gatehouse's per-request obligations (bench/obligations-proxy.ts)"
if [[ "$CEILING" == 1 ]]; then
  start_bun_copies ceil-w1 "$P_CEIL1" 1 "$BENCH/ceiling-proxy.ts" "bare Bun proxy"
  add_target ceil-w1 "bare Bun proxy (Bun.serve + fetch)" ceiling 1 off "http://127.0.0.1:$P_CEIL1/" main
  if ((WORKERS > 1)); then
    start_bun_copies ceil-wn "$P_CEILN" "$WORKERS" "$BENCH/ceiling-proxy.ts" "bare Bun proxy ($WORKERS processes)"
    add_target ceil-wn "bare Bun proxy (Bun.serve + fetch)" ceiling "$WORKERS" off "http://127.0.0.1:$P_CEILN/" main
  fi
  # The floor: the bare proxy plus only what Gatehouse must do to every request (see the script).
  start_bun_copies floor-w1 "$P_FLOOR1" 1 "$BENCH/obligations-proxy.ts" "Bun proxy with Gatehouse's obligations"
  add_target floor-w1 "$FLOOR_NAME" floor 1 "on" "http://127.0.0.1:$P_FLOOR1/" main
  if ((WORKERS > 1)); then
    start_bun_copies floor-wn "$P_FLOORN" "$WORKERS" "$BENCH/obligations-proxy.ts" "Bun proxy with Gatehouse's obligations ($WORKERS processes)"
    add_target floor-wn "$FLOOR_NAME" floor "$WORKERS" "on" "http://127.0.0.1:$P_FLOORN/" main
  fi
fi
CEIL_N=ceil-wn
((WORKERS > 1)) || CEIL_N=ceil-w1
if [[ "$PREFLIGHT" == 1 ]]; then
  export BENCH_ORIGIN # read by bench/preflight.lua
  add_target gh-preflight "Gatehouse, OPTIONS answered by the preflight plugin" gatehouse "$WORKERS" "on (default)" "http://127.0.0.1:$P_JWT/" preflight
  LUA[gh-preflight]="$BENCH/preflight.lua"
  SID[gh-preflight]=${SID[gh-jwt]} LOG[gh-preflight]=gh-jwt
  start_bun_copies bare-204 "$P_BARE204" "$WORKERS" "$BENCH/bare-204.ts" "bare Bun 204"
  add_target bare-204 "bare Bun.serve answering 204 (same headers)" ceiling "$WORKERS" off "http://127.0.0.1:$P_BARE204/" preflight
  LUA[bare-204]="$BENCH/preflight.lua"
  start_nginx nginx-204 "$P_NGINX204" "$BENCH/nginx-preflight.conf.template" "$WORKERS" "nginx return 204"
  add_target nginx-204 "nginx return 204 (same headers)" nginx "$WORKERS" off "http://127.0.0.1:$P_NGINX204/" preflight
  LUA[nginx-204]="$BENCH/preflight.lua"
  if [[ "$CEILING" == 1 ]]; then
    FLOOR_N=floor-wn
    ((WORKERS > 1)) || FLOOR_N=floor-w1
    port=$P_FLOORN
    [[ "$FLOOR_N" == floor-w1 ]] && port=$P_FLOOR1
    add_target floor-204 "Bun.serve answering 204 with Gatehouse's obligations (bench/obligations-proxy.ts)" floor "$WORKERS" "on" "http://127.0.0.1:$port/" preflight
    LUA[floor-204]="$BENCH/preflight.lua"
    SID[floor-204]=${SID[$FLOOR_N]} LOG[floor-204]=$FLOOR_N
  fi
fi
if [[ "$LARGE" == 1 ]]; then
  add_target nginx-1m "nginx proxy_pass, 1 MiB response" nginx "$WORKERS" off "http://127.0.0.1:$P_NGINX/files/1m.bin" large
  SID[nginx-1m]=${SID[nginx]}
  add_target gh-1m "Gatehouse, public route, 1 MiB response" gatehouse "$WORKERS" "$GH_DEFAULT_LOG" "http://127.0.0.1:$GH_DEFAULT_PORT/files/1m.bin" large
  SID[gh-1m]=${SID[$GH_DEFAULT]} LOG[gh-1m]=$GH_DEFAULT
  if [[ "$CEILING" == 1 ]]; then
    port=$P_CEILN
    [[ "$CEIL_N" == ceil-w1 ]] && port=$P_CEIL1
    add_target ceil-1m "bare Bun proxy, 1 MiB response" ceiling "$WORKERS" off "http://127.0.0.1:$port/files/1m.bin" large
    SID[ceil-1m]=${SID[$CEIL_N]}
  fi
fi
if [[ "$SCALE" == 1 ]]; then
  for spec in "scale-s 10 $P_SCALE_S" "scale-l $SCALE_ROUTES $P_SCALE_L"; do
    read -r id count port <<<"$spec"
    mkdir -p "$WORK/$id"
    mapfile -t hits < <("$BUN" "$BENCH/gen-routes.ts" "$count" "$port" "$P_UP" "$WORKERS" true "$WORK/$id/gatehouse.yaml")
    ((${#hits[@]} == 3)) || { warn "could not generate the $count-route config"; exit 1; }
    HITS[$id]=$(IFS=';'; echo "${hits[*]}")
    LUA[$id]="$BENCH/hosts.lua"
    start_gatehouse_config "$id" "$port" "$WORKERS" "Gatehouse ($count routes)" 60000
    add_target "$id" "Gatehouse, $(sed -E ':a;s/([0-9])([0-9]{3})($|,)/\1,\2\3/;ta' <<<"$count") routes (exact, wildcard, prefix: last of each)" gatehouse "$WORKERS" "on (default)" "http://127.0.0.1:$port/" scale
  done
fi
: >"$RAW/targets.tsv"
for t in "${TARGETS[@]}"; do
  IFS=$'\t' read -r id name kind workers access _url group <<<"$t"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$name" "$kind" "$workers" "$access" "$group" >>"$RAW/targets.tsv"
done

# --- measure ---------------------------------------------------------------------------------
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
# CPU time (user+system, clock ticks) of every process in the given sessions: a server's master
# and workers. Divided by the requests served, it is the proxy's CPU cost per request, which
# other load on the machine disturbs less than requests/s.
session_ticks() { # sid...
  cat /proc/[0-9]*/stat 2>/dev/null | awk -v sids=" $* " '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " "); if (index(sids, " " f[4] " ")) t += f[12] + f[13] } END { print t + 0 }'
}
LIMIT=$((WARMUP + DURATION + 30))
say "measuring ${#TARGETS[@]} targets x $ROUNDS rounds: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s (after a ${WARMUP}s warm-up) ..."
for round in $(seq 1 "$ROUNDS"); do
  for t in "${TARGETS[@]}"; do
    IFS=$'\t' read -r id name _kind workers access url _group <<<"$t"
    out="$RAW/$id.r$round.txt"
    args=()
    if [[ -n "${HDR[$id]:-}" ]]; then
      while IFS= read -r h; do args+=(-H "$h"); done <<<"${HDR[$id]}"
    fi
    [[ -n "${LUA[$id]:-}" ]] && args+=(-s "${LUA[$id]}")
    export BENCH_HITS=${HITS[$id]:-}
    if ((WARMUP > 0)); then timeout "$LIMIT" "$WRK" -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "${args[@]}" "$url" >/dev/null 2>&1; fi
    # shellcheck disable=SC2086 # SID may hold several session ids
    t0=$(session_ticks ${SID[$id]})
    timeout "$LIMIT" "$WRK" -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 5s --latency "${args[@]}" "$url" >"$out" 2>&1 ||
      warn "wrk failed on $name (round $round); see the table's failed count"
    # shellcheck disable=SC2086
    t1=$(session_ticks ${SID[$id]})
    echo "$((t1 - t0)) $CLK_TCK" >"$RAW/$id.r$round.cpu"
    rps=$(awk '/Requests\/sec:/ { printf "%d", $2 }' "$out")
    printf '  round %s/%s  %-76s %8s req/s\n' "$round" "$ROUNDS" "$name (w$workers, log $access)" "${rps:-n/a}"
    # Keep access logs from filling the disk; nothing reads them.
    log="$WORK/${LOG[$id]:-$id}/out.log"
    [[ -f "$log" && "$access" != off ]] && : >"$log"
  done
done
unset BENCH_HITS

# The wrk rows' servers are no longer needed; the memory measurements below get the cores.
stop_all_but_upstream() {
  local pid
  for pid in "${PIDS[@]:1}"; do stop_bg "$pid" 10; done
  PIDS=("${PIDS[0]}")
}

# --- large downloads: MB/s and the proxy's RSS while streaming --------------------------------
if [[ "$LARGE" == 1 ]]; then
  stop_all_but_upstream
  say "downloading ${STREAM_MIB} MiB through each proxy (at most ${STREAM_LIMIT}s each), sampling its RSS ..."
  start_nginx stream-nginx "$P_NGINX" "$BENCH/nginx.conf.template" "$WORKERS" "nginx proxy (stream)"
  mkdir -p "$WORK/stream-gh"
  render "$BENCH/gatehouse.yaml.template" "$WORK/stream-gh/gatehouse.yaml" "PORT=$P_STREAM" "WORKERS=1" "ACCESS_LOG=true" "UPSTREAM_PORT=$P_UP"
  start_gatehouse_config stream-gh "$P_STREAM" 1 "Gatehouse (stream)"
  streams=("stream-nginx nginx proxy_pass ($WORKERS workers)|$P_NGINX")
  if [[ "$CEILING" == 1 ]]; then
    start_bun_copies stream-ceil "$P_CEIL1" 1 "$BENCH/ceiling-proxy.ts" "bare Bun proxy (stream)"
    streams+=("stream-ceil bare Bun proxy (1 process)|$P_CEIL1")
  fi
  streams+=("stream-gh Gatehouse, public route (workers 1, fresh process)|$P_STREAM")
  : >"$RAW/streams.tsv"
  for s in "${streams[@]}"; do
    label=${s%|*} port=${s##*|} id=${label%% *} name=${label#* }
    json=$("$BUN" "$BENCH/stream-download.ts" "http://127.0.0.1:$port/files/stream.bin" "${SID[$id]}" "$STREAM_LIMIT" "$STREAM_BYTES")
    printf '%s\t%s\t%s\n' "$id" "$name" "$json" >>"$RAW/streams.tsv"
    say "  $name: $json"
  done
fi

# --- idle keep-alive connections: RSS ---------------------------------------------------------
if [[ "$SCALE" == 1 && "$IDLE_CONNECTIONS" -gt 0 ]]; then
  stop_all_but_upstream
  mkdir -p "$WORK/idle-gh"
  render "$BENCH/gatehouse.yaml.template" "$WORK/idle-gh/gatehouse.yaml" "PORT=$P_IDLE" "WORKERS=1" "ACCESS_LOG=false" "UPSTREAM_PORT=$P_UP"
  start_gatehouse_config idle-gh "$P_IDLE" 1 "Gatehouse (idle connections)"
  say "holding $IDLE_CONNECTIONS idle keep-alive connections to Gatehouse (fd limit $FD_LIMIT) ..."
  json=$(timeout 180 "$BUN" "$BENCH/idle-clients.ts" 127.0.0.1 "$P_IDLE" "$IDLE_CONNECTIONS" "${SID[idle-gh]}" "$IDLE_HOLD" 90)
  [[ -n "$json" ]] || json='{"error":"idle-clients.ts failed or timed out"}'
  printf 'idle-gh\tGatehouse, public route (workers 1, fresh process)\t%s\n' "$json" >"$RAW/idle.tsv"
  say "  $json"
fi

# --- summarize -------------------------------------------------------------------------------
cmd="bash bench/run.sh"
[[ "${npm_lifecycle_event:-}" == bench ]] && cmd="npm run bench"
envs=$(env | grep -E '^BENCH_[A-Z_]+=' | grep -v '^BENCH_ORIGIN=' | sort | tr '\n' ' ')
{
  echo "COMMAND=${envs}${cmd}"
  echo "DATE=$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "MACHINE=$CORES cores ($(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ *//' || uname -m)), $(uname -sr)"
  echo "VERSIONS=gatehouse $("$GATEHOUSE" version 2>/dev/null | head -n1), bun $("$BUN" --version 2>/dev/null), $("$NGINX" -v 2>&1 | sed 's/^nginx version: //')${CADDY:+, caddy $("$CADDY" version 2>/dev/null | cut -d' ' -f1)}, $("$WRK" -v 2>&1 | head -n1 | cut -d' ' -f1-2)"
  echo "THREADS=$THREADS"
  echo "CONNECTIONS=$CONNECTIONS"
  echo "DURATION=${DURATION}s"
  echo "WARMUP=${WARMUP}s"
  echo "ROUNDS=$ROUNDS"
  echo "CORES=$CORES"
  echo "WORKERS=$WORKERS"
  echo "UPSTREAM_WORKERS=$UPSTREAM_WORKERS"
  echo "LOADAVG_BEFORE=$LOADAVG_BEFORE"
  echo "FD_LIMIT=$FD_LIMIT"
  echo "STREAM_MIB=$STREAM_MIB"
  echo "STREAM_LIMIT=$STREAM_LIMIT"
  echo "SCALE_ROUTES=$SCALE_ROUTES"
  echo "IDLE_HOLD=$IDLE_HOLD"
  echo "BODY_BYTES=$("$BUN" -e "console.log((await (await fetch('http://127.0.0.1:$P_UP/')).arrayBuffer()).byteLength)" 2>/dev/null || echo '~50')"
} >"$RAW/meta.env"

say ""
if [[ -n "$RESULTS" ]]; then
  "$BUN" "$BENCH/summarize.ts" "$RAW" --write "$RESULTS" || warn "summarize failed (raw output kept with BENCH_KEEP=1)"
  say ""
  say "written to ${RESULTS#"$ROOT"/} (the bench took ${SECONDS}s)"
else
  "$BUN" "$BENCH/summarize.ts" "$RAW" || warn "summarize failed (raw output kept with BENCH_KEEP=1)"
fi
exit 0
