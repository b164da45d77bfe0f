#!/usr/bin/env bash
# Keyway against nginx on one machine: the same fixed-body upstream, reached three ways with wrk on loopback.
#
#                        +----------------------------------+
#   wrk --(direct)-----> |                                  |
#   wrk --> nginx -----> | upstream: nginx `return 200` of  |
#           proxy_pass   | a fixed ~100-byte JSON body      |
#   wrk --> Keyway ----> |                                  |
#           full chain   +----------------------------------+
#           (build/plugins)
#
# One command: perf/run-load.sh. Installs wrk and nginx from Debian packages when absent, builds Keyway when
# build/lib is missing, starts an upstream nginx, a proxy nginx and a Keyway node on free 127.0.0.1 ports with
# fresh temp folders, warms Keyway up, then measures direct, nginx and Keyway in turn (ROUNDS times) and prints
# RPS, latency percentiles and the CPU each process used. When the chain has key-auth, it bootstraps an admin and
# issues an API key (team, app, key) so that requests pass every stage; the same Authorization header then goes
# to all three targets. Everything it started is stopped on exit, also on failure or Ctrl-C; /etc/nginx is
# never read or written. docs/perf.md explains the columns and has figures.
#
# Env (defaults in brackets):
#   WARMUP       seconds of wrk against Keyway before measuring [20]
#   DURATION     seconds of each measured wrk run [20]
#   ROUNDS       measured rounds of direct, nginx, Keyway [2]
#   THREADS      wrk threads [1]          CONNECTIONS  wrk connections [64]
#   NGINX_WORKERS     worker_processes of the proxy nginx [auto]
#   UPSTREAM_WORKERS  worker_processes of the upstream nginx [1]
#   KEYWAY_JAVA_OPTS  extra JVM options for the node [-Xmx1g]
#   RING_WAIT_STRATEGY  the node's ring.wait-strategy (lite-blocking, phased-backoff, ...) [the node's default]
#   KEEP_TMP=1   keep the temp folder (logs, configs) for a look afterwards
# Default run: about 2.5 minutes (20 s warm-up + 2 x 3 x 20 s + start-up).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WARMUP="${WARMUP:-20}"
DURATION="${DURATION:-20}"
ROUNDS="${ROUNDS:-2}"
THREADS="${THREADS:-1}"
CONNECTIONS="${CONNECTIONS:-64}"
NGINX_WORKERS="${NGINX_WORKERS:-auto}"
UPSTREAM_WORKERS="${UPSTREAM_WORKERS:-1}"
export KEYWAY_JAVA_OPTS="${KEYWAY_JAVA_OPTS:--Xmx1g}"
TOKEN="perf-load-bootstrap-token-0123456789"
BODY='{"ok":true,"source":"keyway-perf-upstream","note":"fixed body for load tests","pad":"0123456789abcdef"}'
REQ_PATH="/bench/items/42"
CLK_TCK="$(getconf CLK_TCK)"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"

log() { echo "run-load: $*" >&2; }

# ---------------------------------------------------------------- clean-up: whatever was started is stopped
TMP=""
PIDS=()   # started processes, stopped in reverse order
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  local i pid
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    pid="${PIDS[$i]}"
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ -n "$TMP" ] && [ -d "$TMP" ]; then
    if [ "${KEEP_TMP:-0}" = 1 ]; then log "kept $TMP"; else rm -rf "$TMP"; fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- tools
if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
  [ "$(id -u)" = 0 ] || { log "wrk and nginx are missing and this is not root: apt-get install wrk nginx"; exit 1; }
  [ -x /usr/sbin/policy-rc.d ] || log "warning: no /usr/sbin/policy-rc.d, apt may start the system nginx service"
  log "installing wrk and nginx (Debian packages) ..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx >/dev/null
fi
NGINX="$(command -v nginx)"

if [ ! -f "$ROOT/build/lib/keyway-kernel.jar" ]; then
  log "build/lib is missing: kernel/bin/keyway build ..."
  "$ROOT/kernel/bin/keyway" build
fi

TMP="$(mktemp -d /tmp/keyway-load.XXXXXX)"
chmod 755 "$TMP"   # nginx workers run as www-data when we are root and must reach their temp folders

# A port nothing listens on (and, for a range, the next ones too): loopback only.
port_free() { [ -z "$(ss -Htan "( sport = :$1 )" 2>/dev/null)" ]; }
free_port() {
  local span="${1:-1}" p i ok
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 30000)); ok=1
    for ((i = 0; i < span; i++)); do port_free $((p + i)) || { ok=0; break; }; done
    if [ "$ok" = 1 ] && [[ " ${TAKEN:-} " != *" $p "* ]]; then TAKEN="${TAKEN:-} $p"; echo "$p"; return; fi
  done
  log "no free port found"; exit 1
}

# ---------------------------------------------------------------- nginx: upstream and proxy
nginx_conf() { # prefix workers server-block
  local user=""
  if [ "$(id -u)" = 0 ]; then
    if getent passwd www-data >/dev/null; then user="user www-data www-data;"; else user="user nobody nogroup;"; fi
  fi
  mkdir -p "$1/tmp" "$1/logs"
  cat >"$1/nginx.conf" <<EOF
$user
worker_processes $2;
daemon off;
pid $1/nginx.pid;
error_log $1/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $1/tmp/body;
  proxy_temp_path $1/tmp/proxy;
  fastcgi_temp_path $1/tmp/fastcgi;
  uwsgi_temp_path $1/tmp/uwsgi;
  scgi_temp_path $1/tmp/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 75s;
  $3
}
EOF
}

start_nginx() { # prefix name
  "$NGINX" -p "$1" -c "$1/nginx.conf" -e "$1/logs/error.log" >"$1/logs/stdout.log" 2>&1 &
  PIDS+=("$!")
  eval "$2_PID=$!"
}

wait_http() { # url seconds pid
  local deadline=$((SECONDS + $2))
  while [ "$SECONDS" -lt "$deadline" ]; do
    kill -0 "$3" 2>/dev/null || return 1
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)" = 200 ] && return 0
    sleep 0.25
  done
  return 1
}

UP_PORT="$(free_port)"
NGX_PORT="$(free_port)"
nginx_conf "$TMP/upstream" "$UPSTREAM_WORKERS" "server {
    listen 127.0.0.1:$UP_PORT;
    location / { default_type application/json; return 200 '$BODY'; }
  }"
nginx_conf "$TMP/proxy" "$NGINX_WORKERS" "upstream backend {
    server 127.0.0.1:$UP_PORT;
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:$NGX_PORT;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
    }
  }"
start_nginx "$TMP/upstream" UPSTREAM
start_nginx "$TMP/proxy" PROXY
wait_http "http://127.0.0.1:$UP_PORT/" 10 "$UPSTREAM_PID" || { cat "$TMP/upstream/logs/"*; log "upstream nginx did not start"; exit 1; }
wait_http "http://127.0.0.1:$NGX_PORT/" 10 "$PROXY_PID" || { cat "$TMP/proxy/logs/"*; log "proxy nginx did not start"; exit 1; }

# ---------------------------------------------------------------- Keyway node
DATA_PORT="$(free_port)"
ADMIN_PORT="$(free_port)"
DISCO_PORT="$(free_port 10)"   # Ignite discovery takes a range of 10: keep clear of other nodes on 47500..
COMM_PORT="$(free_port 10)"
# The node runs from a snapshot of the build (launcher, build/lib, build/plugins, ignite-config): other people
# rebuilding the shared tree during a run must neither swap JARs under the JVM nor hot-reload its chain.
SNAP="$TMP/snapshot"
mkdir -p "$SNAP/kernel/bin" "$SNAP/build" "$TMP/keyway"
cp "$ROOT/kernel/bin/keyway" "$SNAP/kernel/bin/"
cp -r "$ROOT/build/lib" "$ROOT/ignite-config" "$SNAP/" && mv "$SNAP/lib" "$SNAP/build/lib"
mkdir -p "$SNAP/build/plugins"
cp "$ROOT"/build/plugins/*.jar "$SNAP/build/plugins/" 2>/dev/null || true
cat >"$TMP/keyway.yaml" <<EOF
keyway:
${RING_WAIT_STRATEGY:+  ring:
    wait-strategy: $RING_WAIT_STRATEGY}
  store:
    consistent-id: keyway-perf-load
    discovery-port: $DISCO_PORT
    communication-port: $COMM_PORT
EOF
log "starting Keyway (data :$DATA_PORT, admin :$ADMIN_PORT, plugins: $(cd "$SNAP/build/plugins" && ls | tr '\n' ' '))"
(
  cd "$TMP/keyway"
  export KEYWAY_SKIP_BUILD=1 KEYWAY_DATA_DIR="$TMP/keyway/data" KEYWAY_DATA_PORT="$DATA_PORT" \
    KEYWAY_ADMIN_PORT="$ADMIN_PORT" KEYWAY_BOOTSTRAP_TOKEN="$TOKEN" KEYWAY_PLUGINS_DIR="$SNAP/build/plugins" \
    KEYWAY_CONFIG="$TMP/keyway.yaml"
  exec "$SNAP/kernel/bin/keyway" run
) >"$TMP/keyway.log" 2>&1 &
KEYWAY_PID=$!
PIDS+=("$KEYWAY_PID")
STARTED=$SECONDS
if ! wait_http "http://127.0.0.1:$ADMIN_PORT/health" "${KEYWAY_START_TIMEOUT:-120}" "$KEYWAY_PID"; then
  tail -n 60 "$TMP/keyway.log" >&2
  log "Keyway did not become ready (log above)"
  exit 1
fi
log "Keyway ready after $((SECONDS - STARTED)) s"

ADMIN_TOKEN="$TOKEN"
# admin <name> <method> <path> [json]: calls the admin plane, keeps the answer in $TMP/admin-<name>.json, fails
# unless 2xx. The answers hold secrets (the API key) only inside the temp folder, which is removed at exit.
admin() {
  local code
  code="$(curl -sS -o "$TMP/admin-$1.json" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $ADMIN_TOKEN" \
    -H 'Content-Type: application/json' ${4:+-d "$4"} "http://127.0.0.1:$ADMIN_PORT$3")"
  case "$code" in 2??) ;; *) cat "$TMP/admin-$1.json" >&2; echo >&2; log "$2 $3 answered $code"; exit 1 ;; esac
}
field() { grep -o "\"$2\":\"[^\"]*\"" "$TMP/admin-$1.json" | head -n 1 | cut -d'"' -f4; } # first "$2":"..."

admin stages GET /admin/stages
CHAIN="$(tr -d '\n' <"$TMP/admin-stages.json")"
AUTH=()   # a header sent to every target alike, so that all three get the same request bytes
if [[ "$CHAIN" == *'"key-auth"'* ]]; then
  # The chain authenticates: an admin, a team, an app and an API key, so requests pass the whole chain.
  PASSWORD="Kw-perf-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')-9x"
  admin bootstrap POST /admin/bootstrap "{\"username\":\"perf-admin\",\"password\":\"$PASSWORD\"}"
  ADMIN_ID="$(field bootstrap id)"
  admin login POST /admin/login "{\"username\":\"perf-admin\",\"password\":\"$PASSWORD\"}"
  ADMIN_TOKEN="$(field login token)"
  admin team POST /admin/teams "{\"name\":\"perf\",\"owner\":\"$ADMIN_ID\"}"
  admin app POST /admin/apps "{\"teamId\":\"$(field team id)\",\"name\":\"perf-app\"}"
  admin key POST /admin/keys "{\"appId\":\"$(field app id)\"}"
  AUTH=(-H "Authorization: Bearer $(field key key)")
fi
admin service POST /admin/services "{\"name\":\"bench\",\"pathPrefix\":\"/bench\",\"lifecycle\":\"published\",\
\"approval\":\"auto\",\"upstreams\":[\"http://127.0.0.1:$UP_PORT\"]}"
if [[ "$CHAIN" == *'"subscription"'* ]]; then   # the app needs an approved subscription (auto approval here)
  admin subscription POST /admin/subscriptions \
    "{\"appId\":\"$(field app id)\",\"serviceId\":\"$(field service id)\"}"
fi

for target in "direct http://127.0.0.1:$UP_PORT$REQ_PATH" "nginx http://127.0.0.1:$NGX_PORT$REQ_PATH" \
              "keyway http://127.0.0.1:$DATA_PORT$REQ_PATH"; do
  set -- $target
  for _ in $(seq 1 40); do   # the store reaches the node's local caches (routes, keys) a moment after a write
    got="$(curl -s -w ' %{http_code}' "${AUTH[@]}" "$2" || true)"
    [ "$got" = "$BODY 200" ] && break
    sleep 0.25
  done
  if [ "$got" != "$BODY 200" ]; then
    [ "$1" = keyway ] && tail -n 40 "$TMP/keyway.log" >&2
    log "$1 answered '$got' (expected the upstream body and 200)"
    exit 1
  fi
done

# ---------------------------------------------------------------- measuring
children() { ps -o pid= --ppid "$1" | tr -d ' ' | tr '\n' ' '; }
UPSTREAM_PIDS="$UPSTREAM_PID $(children "$UPSTREAM_PID")"
PROXY_PIDS="$PROXY_PID $(children "$PROXY_PID")"

# CPU ticks (user + system, all threads) used so far by these processes.
ticks() {
  local pid total=0
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] || continue
    total=$((total + $(sed 's/^.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')))
  done
  echo "$total"
}
machine_busy() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat; }

# Latency from wrk's text (e.g. 635.00us, 1.36ms, 2.10s) in milliseconds.
to_ms() { awk -v v="$1" 'BEGIN{n=v+0; if (v ~ /us$/) n/=1000; else if (v ~ /ms$/) n=n; else if (v ~ /s$/) n*=1000; printf "%.2f", n}'; }

RESULTS="$TMP/results.tsv"
: >"$RESULTS"
# run <label> <url> <seconds> <gateway pids...>: one wrk run; appends a row unless label is "warmup"
run() {
  local label="$1" url="$2" secs="$3"; shift 3
  local out="$TMP/wrk-$label-$RANDOM.txt" g0 u0 m0 g1 u1 m1 wall0 wall1 wrk_cpu
  g0="$(ticks "$@")"; u0="$(ticks $UPSTREAM_PIDS)"; m0="$(machine_busy)"; wall0="$(date +%s%N)"
  TIMEFORMAT='%U %S'
  { time wrk -t"$THREADS" -c"$CONNECTIONS" -d"${secs}s" --latency "${AUTH[@]}" "$url" >"$out" 2>&1; } 2>"$out.time"
  wall1="$(date +%s%N)"; g1="$(ticks "$@")"; u1="$(ticks $UPSTREAM_PIDS)"; m1="$(machine_busy)"
  [ "$label" = warmup ] && return 0
  wrk_cpu="$(awk '{print $1 + $2}' "$out.time")"
  awk -v label="$label" -v round="$ROUND" -v tck="$CLK_TCK" -v wall="$(( (wall1 - wall0) / 1000000 ))" \
      -v g="$((g1 - g0))" -v u="$((u1 - u0))" -v m="$((m1 - m0))" -v w="$wrk_cpu" \
      -v p50="$(to_ms "$(awk '$1=="50%"{print $2}' "$out")")" \
      -v p90="$(to_ms "$(awk '$1=="90%"{print $2}' "$out")")" \
      -v p99="$(to_ms "$(awk '$1=="99%"{print $2}' "$out")")" '
    /^Requests\/sec:/ { rps = $2 }
    /requests in/ { reqs = $1 }
    /Non-2xx or 3xx responses:/ { errors += $NF }
    /Socket errors:/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) errors += $i + 0 }
    END {
      secs = wall / 1000.0
      gw = g / tck; up = u / tck; all = m / tck
      printf "%s\t%s\t%.0f\t%s\t%s\t%s\t%d\t%.2f\t%.1f\t%.2f\t%.2f\t%.2f\n", round, label, rps, p50, p90, p99,
        errors, gw / secs, (reqs > 0 ? gw * 1e6 / reqs : 0), up / secs, w / secs, (all - gw - up - w) / secs
    }' "$out" >>"$RESULTS"
  tail -n 1 "$RESULTS" | awk -F'\t' '{printf "run-load: round %s %-6s %8s req/s  p50 %s ms  p99 %s ms  errors %s\n", $1, $2, $3, $4, $6, $7}' >&2
}

log "warm-up: Keyway ${WARMUP}s"
ROUND=0
run warmup "http://127.0.0.1:$DATA_PORT$REQ_PATH" "$WARMUP" "$KEYWAY_PID"
for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
  run direct "http://127.0.0.1:$UP_PORT$REQ_PATH" "$DURATION"
  run nginx "http://127.0.0.1:$NGX_PORT$REQ_PATH" "$DURATION" $PROXY_PIDS
  run keyway "http://127.0.0.1:$DATA_PORT$REQ_PATH" "$DURATION" "$KEYWAY_PID"
done
METRICS="$(curl -s "http://127.0.0.1:$ADMIN_PORT/metrics" | grep -E '^keyway_(request_latency|requests_total|ring_full|upstream_errors|stage_denials)' || true)"
RSS_MB="$(awk '/^VmRSS/{printf "%d", $2 / 1024}' "/proc/$KEYWAY_PID/status")"

# ---------------------------------------------------------------- report
echo
echo "Keyway load test  $(date -u '+%Y-%m-%d %H:%M UTC')  $(nproc) cores  wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s  warm-up ${WARMUP}s  rounds $ROUNDS"
echo "JDK: $("${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java" -version 2>&1 | head -n 1)   nginx: $("$NGINX" -v 2>&1 | sed 's/.*: //')   proxy workers: $NGINX_WORKERS"
echo "Keyway chain: $CHAIN   ring wait strategy: ${RING_WAIT_STRATEGY:-default}"
echo "Load average at start: $LOAD_BEFORE, at the end: $(cut -d' ' -f1-3 /proc/loadavg)   Keyway RSS after the runs: ${RSS_MB} MB"
echo
echo "CPU columns in cores (1.00 = one core busy for the whole run); 'other' = the rest of the machine."
printf '%-5s %-7s %9s %8s %8s %8s %7s %8s %9s %8s %6s %6s\n' round target req/s p50_ms p90_ms p99_ms errors gw_cpu gw_us/req upstream wrk other
awk -F'\t' '{printf "%-5s %-7s %9s %8s %8s %8s %7s %8s %9s %8s %6s %6s\n", $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12}' "$RESULTS"
echo
awk -F'\t' '
  { sum[$2] += $3; n[$2]++; p99[$2] += $6 }
  $2 == "keyway" { k[$1] = $3 } $2 == "nginx" { x[$1] = $3 }
  END {
    for (r in k) if (x[r] > 0) printf "round %s: Keyway/nginx RPS ratio %.2f\n", r, k[r] / x[r]
    if (n["nginx"] > 0 && sum["nginx"] > 0)
      printf "mean over rounds: direct %.0f  nginx %.0f  keyway %.0f req/s;  Keyway/nginx %.2f  Keyway/direct %.2f\n",
        sum["direct"] / n["direct"], sum["nginx"] / n["nginx"], sum["keyway"] / n["keyway"],
        (sum["keyway"] / n["keyway"]) / (sum["nginx"] / n["nginx"]),
        (sum["keyway"] / n["keyway"]) / (sum["direct"] / n["direct"])
  }' "$RESULTS" | sort
echo
echo "Keyway /metrics after the runs (latency summary is cumulative, warm-up included; microseconds):"
echo "${METRICS:-  (none)}" | sed 's/^/  /'
