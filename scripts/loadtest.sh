#!/usr/bin/env bash
# Ingest load test on this machine, loopback only: starts a local Mosquitto (its own folder, a free port, queues and
# in-flight windows raised), starts `gatekiosk-central serve` on it with a fresh store, runs the load generator
# (tests/GateKiosk.LoadTest) against both, and stops and removes everything. Exits with the generator's status:
# 0 when every target is met, 1 when one is missed, 2 on a usage or environment error.
#
#   scripts/loadtest.sh [--no-build] [--postgres [--collectors N]] [--token TOKEN] [--central-arg ARG ...] [generator options]
#
# Generator options (gatekiosk-loadtest --help): --kiosks 10000 --events 1000000 --duration 00:20:00
# --target-ratio 0.5 ... ; --host, --port, --central and --central-pid are set by this script.
# --token TOKEN is sent by the generator as 'Authorization: Bearer TOKEN' and given to central as
# --Central:ApiToken=TOKEN (another key with GATEKIOSK_LOADTEST_TOKEN_KEY=Section:Key).
# --central-arg ARG passes ARG to `gatekiosk-central serve`.
# --postgres stores the events in a PostgreSQL 15 cluster the script makes and removes (Debian's postgresql package,
# its default durability: fsync and synchronous commit on). --collectors N runs N central processes collecting on one
# shared subscription into that store (Central:CollectorGroup); the API, the RSS and the kiosk counts are the first one's.
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
token=""
central_args=()
gen_args=()
kiosks=10000
duration=1200
postgres=0
collectors=1
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --token) token="$2"; shift 2 ;;
    --central-arg) central_args+=("$2"); shift 2 ;;
    --postgres) postgres=1; shift ;;
    --collectors) collectors="$2"; shift 2 ;;
    --kiosks) kiosks="$2"; gen_args+=("$1" "$2"); shift 2 ;;
    --duration)
      # The generator caps itself; this script also ends it a minute after the cap (seconds or hh:mm:ss).
      IFS=: read -r -a parts <<<"$2"
      duration=0; for p in "${parts[@]}"; do duration=$((duration * 60 + 10#${p%%.*})); done
      gen_args+=("$1" "$2"); shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) gen_args+=("$1"); shift ;;
  esac
done

if ! [[ "$collectors" =~ ^[1-9][0-9]?$ ]]; then
  echo "loadtest: --collectors takes a number from 1 to 99" >&2; exit 2
fi
if [ "$collectors" -gt 1 ] && [ "$postgres" -eq 0 ]; then
  echo "loadtest: --collectors needs --postgres: collectors of one group share one store" >&2; exit 2
fi
if [ "$postgres" -eq 1 ] && ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "loadtest: --postgres needs Debian's postgresql package (apt-get install postgresql)" >&2; exit 2
fi

# One socket per simulated kiosk, in the generator and in the broker.
need=$((kiosks + 1024))
if [ "$(ulimit -n)" -lt "$need" ]; then
  ulimit -n "$need" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
fi
if [ "$(ulimit -n)" -lt "$need" ]; then
  echo "loadtest: the open-file limit is $(ulimit -n) but $need are needed for $kiosks kiosks;" \
       "run as root or raise 'nofile' in /etc/security/limits.conf, then start again." >&2
  exit 2
fi

if [ "$build" -eq 1 ]; then
  dotnet build src/GateKiosk.Central/GateKiosk.Central.csproj -c Release -nologo -v q
  dotnet build tests/GateKiosk.LoadTest/GateKiosk.LoadTest.csproj -c Release -nologo -v q
fi
central_bin=src/GateKiosk.Central/bin/Release/net10.0/gatekiosk-central
generator_bin=tests/GateKiosk.LoadTest/bin/Release/net10.0/gatekiosk-loadtest

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

work=$(mktemp -d /tmp/gk-loadtest-XXXXXX)
chmod 755 "$work" # the broker drops to the user mosquitto, which must reach its folder
broker_pid=""; central_pid=""; more_pids=""; postgres_pid=""
cleanup() {
  for pid in $central_pid $more_pids $broker_pid $postgres_pid; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $central_pid $more_pids $broker_pid $postgres_pid; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

wait_for() { # wait_for SECONDS PID DESCRIPTION COMMAND...: polls COMMAND until it succeeds
  local seconds=$1 pid=$2 what=$3; shift 3
  for _ in $(seq 1 $((seconds * 10))); do
    "$@" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || { echo "loadtest: $what exited while starting:" >&2; tail -n 20 "$work"/*.log >&2; exit 2; }
    sleep 0.1
  done
  echo "loadtest: $what did not start within $seconds s" >&2; tail -n 20 "$work"/*.log >&2; exit 2
}

mqtt_port=$(free_port)
mkdir -p "$work/mosquitto"
# Central's session must be able to queue the whole run; the in-flight window lets it hold many unacknowledged
# messages while it stores a batch.
cat >"$work/mosquitto.conf" <<CONF
listener $mqtt_port 127.0.0.1
allow_anonymous true
persistence true
persistence_location $work/mosquitto/
autosave_interval 300
max_queued_messages 0
max_queued_bytes 0
max_inflight_messages 1000
max_keepalive 600
set_tcp_nodelay true
log_dest stderr
log_type error
log_type warning
CONF
[ "$(id -u)" -eq 0 ] && chown -R mosquitto "$work/mosquitto" "$work/mosquitto.conf"
/usr/sbin/mosquitto -c "$work/mosquitto.conf" 2>"$work/mosquitto.log" &
broker_pid=$!
wait_for 10 "$broker_pid" mosquitto bash -c "exec 3<>/dev/tcp/127.0.0.1/$mqtt_port"

store_args=()
if [ "$postgres" -eq 1 ]; then
  pg_bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/postgres | sort -V | tail -n 1)")
  pg_port=$(free_port)
  mkdir -p "$work/pg/run"
  as_pg=()
  if [ "$(id -u)" -eq 0 ]; then
    # PostgreSQL refuses to run as root: the cluster belongs to the package's user 'postgres'.
    chown -R postgres: "$work/pg"; as_pg=(runuser -u postgres --)
  fi
  "${as_pg[@]}" "$pg_bin/initdb" -D "$work/pg/data" -U postgres --auth=trust --encoding=UTF8 --locale=C \
    --no-instructions >"$work/postgres-init.log" 2>&1
  "${as_pg[@]}" "$pg_bin/postgres" -D "$work/pg/data" -p "$pg_port" -k "$work/pg/run" \
    -c listen_addresses=127.0.0.1 -c max_connections=200 >"$work/postgres.log" 2>&1 &
  postgres_pid=$!
  wait_for 30 "$postgres_pid" postgres "${as_pg[@]}" psql -h "$work/pg/run" -p "$pg_port" -U postgres -d postgres -c "SELECT 1"
  "${as_pg[@]}" psql -q -h "$work/pg/run" -p "$pg_port" -U postgres -d postgres -c "CREATE DATABASE gatekiosk"
  store_args=(--Central:Store=Postgres
    "--Central:ConnectionString=Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=gatekiosk")
  [ "$collectors" -gt 1 ] && store_args+=(--Central:CollectorGroup=loadtest)
  echo "store: PostgreSQL on 127.0.0.1:$pg_port, $collectors collector(s)"
else
  echo "store: SQLite, 1 collector"
fi

http_port=$(free_port)
token_args=()
[ -n "$token" ] && token_args=("--${GATEKIOSK_LOADTEST_TOKEN_KEY:-Central:ApiToken}=$token")
"$central_bin" serve --Mqtt:Host=127.0.0.1 --Mqtt:Port="$mqtt_port" \
  --Central:DataDirectory="$work/central" --Central:Urls="http://127.0.0.1:$http_port" \
  "${store_args[@]}" "${token_args[@]}" "${central_args[@]}" >"$work/central.log" 2>&1 &
central_pid=$!
wait_for 60 "$central_pid" gatekiosk-central curl -fsS "http://127.0.0.1:$http_port/healthz"
for n in $(seq 2 "$collectors"); do
  port_n=$(free_port)
  "$central_bin" serve --Mqtt:Host=127.0.0.1 --Mqtt:Port="$mqtt_port" \
    --Central:DataDirectory="$work/central-$n" --Central:Urls="http://127.0.0.1:$port_n" --Mqtt:ClientId="gatekiosk-central-$n" \
    "${store_args[@]}" "${token_args[@]}" "${central_args[@]}" >"$work/central-$n.log" 2>&1 &
  pid_n=$!
  more_pids="$more_pids $pid_n"
  wait_for 60 "$pid_n" "gatekiosk-central ($n)" curl -fsS "http://127.0.0.1:$port_n/healthz"
done

gen_token=()
[ -n "$token" ] && gen_token=(--token "$token")
set +e
timeout --signal=INT --kill-after=30 $((duration + 60)) "$generator_bin" \
  --host 127.0.0.1 --port "$mqtt_port" --central "http://127.0.0.1:$http_port" --central-pid "$central_pid" \
  "${gen_token[@]}" "${gen_args[@]}"
status=$?
set -e
if [ "$status" -ne 0 ]; then
  echo "--- central log (last lines) ---"; tail -n 20 "$work/central.log"
  echo "--- mosquitto log (last lines) ---"; tail -n 20 "$work/mosquitto.log"
fi
exit "$status"
