#!/usr/bin/env bash
# A Redis for the queue runner (`matsense enqueue/worker`) and its tests: bound to
# 127.0.0.1, append-only file on (jobs survive a restart), started in the background and
# stopped by its recorded PID.
#
#   scripts/redis.sh install   # apt-get install redis-server when missing (needs root)
#   scripts/redis.sh check     # exit 0 when installed, else 3 with how to install it (never installs)
#   scripts/redis.sh start     # start (state folder: $MATSENSE_REDIS_STATE, default /tmp/matsense-redis)
#   scripts/redis.sh stop      # stop by PID (SIGTERM: Redis flushes the AOF and exits)
#   scripts/redis.sh url       # prints redis://127.0.0.1:<port>
#
# Port: $MATSENSE_REDIS_PORT when set; else `start` reuses the port recorded in the state folder
# (<state>/port) when it is still free, or takes a free one from the kernel, records it and prints
# it; `url` prints the recorded one.
set -euo pipefail
. "$(dirname "$0")/apt-install.sh"
. "$(dirname "$0")/ports.sh"
STATE=${MATSENSE_REDIS_STATE:-/tmp/matsense-redis}
PIDFILE="$STATE/redis.pid"
PORTFILE="$STATE/port"
PORT=${MATSENSE_REDIS_PORT:-}
[ -n "$PORT" ] || { [ -s "$PORTFILE" ] && PORT=$(cat "$PORTFILE"); } || true

die() { echo "redis.sh: $*" >&2; exit 1; }
alive() { [ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

install() {
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null && return 0
  apt_install redis.sh redis-server
}

start() {
  command -v redis-server >/dev/null || die "not installed; run: $0 install"
  if alive; then echo "redis.sh: already running (pid $(cat "$PIDFILE"), redis://127.0.0.1:$PORT)"; return 0; fi
  mkdir -p "$STATE"
  # a recorded port is kept when it is still free (clients keep their URL across a restart)
  if [ -z "${MATSENSE_REDIS_PORT:-}" ] && { [ -z "$PORT" ] || ! port_free "$PORT"; }; then PORT=$(free_ports 1) || die "no free port found"; fi
  echo "$PORT" >"$PORTFILE"
  setsid redis-server --bind 127.0.0.1 --port "$PORT" --dir "$STATE" --appendonly yes --appendfsync always \
    --save "" --daemonize no --protected-mode yes --logfile "$STATE/redis.log" </dev/null >/dev/null 2>&1 &
  echo $! >"$PIDFILE"
  for _ in $(seq 100); do
    if redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null | grep -q PONG; then echo "redis.sh: started (pid $(cat "$PIDFILE"), redis://127.0.0.1:$PORT)"; return 0; fi
    alive || die "redis-server exited (see $STATE/redis.log)"
    sleep 0.1
  done
  die "redis-server did not answer within 10 s (see $STATE/redis.log)"
}

stop() {
  alive || { rm -f "$PIDFILE"; echo "redis.sh: not running"; return 0; }
  local pid; pid=$(cat "$PIDFILE")
  kill -TERM "$pid"
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  rm -f "$PIDFILE"
  echo "redis.sh: stopped"
}

case "${1:-}" in
  install) install ;;
  check) command -v redis-server >/dev/null ||
    { echo "redis.sh: redis-server is not installed (Debian: sudo scripts/redis.sh install, or sudo apt-get install redis-server)" >&2; exit 3; } ;;
  start) start ;;
  stop) stop ;;
  url) [ -n "$PORT" ] || die "no port recorded in $STATE (run: $0 start, or set MATSENSE_REDIS_PORT)"; echo "redis://127.0.0.1:$PORT" ;;
  *) echo "usage: $0 install|check|start|stop|url" >&2; exit 2 ;;
esac
