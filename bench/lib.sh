# Shared by bench/run.sh and bench/profile.sh (sourced, not run): tool lookup, a temporary
# folder, starting servers in their own sessions, stopping them all on exit, templates.
# The sourcing script sets ROOT and BENCH first.

say() { printf '%s\n' "$*"; }
warn() { printf 'bench: %s\n' "$*" >&2; }

find_tool() {
  local name=$1 p
  p=$(command -v "$name" 2>/dev/null) && { echo "$p"; return 0; }
  for p in "/usr/sbin/$name" "/usr/local/sbin/$name" "/usr/local/bin/$name"; do
    [[ -x "$p" ]] && { echo "$p"; return 0; }
  done
  return 1
}

# BUN (the repo's own first), WRK, NGINX; empty when not installed.
find_tools() {
  BUN=${BUN:-}
  [[ -n "$BUN" ]] || BUN=$(find_tool bun 2>/dev/null || true)
  [[ -x "$ROOT/node_modules/.bin/bun" ]] && BUN="$ROOT/node_modules/.bin/bun"
  WRK=$(find_tool wrk || true)
  NGINX=$(find_tool nginx || true)
}

# WORK: a fresh temporary folder, removed on exit unless BENCH_KEEP=1. PIDS: started servers.
make_workdir() { # prefix
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || { warn "mktemp failed"; exit 1; }
  chmod 755 "$WORK" # nginx workers run as "nobody" when started by root
  PIDS=()
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# Each server runs in its own session (setsid), so stopping its process group also stops the
# children (nginx workers, Gatehouse workers). The session id is $! afterwards.
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

# Stops one server started by start_bg: TERM to its session, KILL after `grace` tenths of a second.
stop_bg() { # pid [grace]
  local pid=$1 grace=${2:-30} i
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < grace; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
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

# Waits until the URL answers 200 with the upstream's body; the server is the last one started.
# WAIT_HEADER="Name: value" (newline-separated for several) is sent with it.
wait_ready() { # url log name [timeout_ms]
  "$BUN" "$BENCH/wait-ready.ts" "$1" "${4:-15000}" "${PIDS[-1]}" >>"$2" 2>&1 || fail_start "$3" "$2"
}

# Waits until a Gatehouse log shows `count` "gatehouse listening" lines (every worker up).
wait_listening() { # log count name
  local i
  for i in $(seq 1 150); do
    (($(grep -c '"gatehouse listening"' "$1") >= $2)) && return 0
    sleep 0.1
  done
  fail_start "$3 (all $2 workers)" "$1"
}

# The HS256 issuer of the header-jwt and nginx auth_request rows (bench/gatehouse-jwt.yaml.template,
# bench/auth-verifier.ts): any fixed 32+ character secret does for a benchmark.
JWT_SECRET=gatehouse-bench-hs256-secret-0123456789abcdef
JWT_ISSUER=https://idp.bench.test
JWT_AUDIENCE=bench-api
# The page origin of the CORS rows; allowed by the preflight plugin, echoed by the bare 204.
BENCH_ORIGIN=http://app.bench.test
