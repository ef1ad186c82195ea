#!/usr/bin/env bash
# A single-node Slurm (slurmctld + slurmd + munged) for tests and for trying `matsense slurm`
# on one machine. Nothing is written to /etc: every file (munge key, slurm.conf, spool,
# logs, PID files) lives in the state folder, and clients find the cluster through
# SLURM_CONF=<state>/slurm.conf (printed by `env`).
#
#   scripts/slurm.sh install   # apt-get install slurm-wlm munge when missing (needs root)
#   scripts/slurm.sh check     # exit 0 when installed, else 3 with how to install it (never installs)
#   scripts/slurm.sh start     # write the config, start the three daemons in the background
#   scripts/slurm.sh env       # prints `export SLURM_CONF=…` (eval "$(scripts/slurm.sh env)")
#   scripts/slurm.sh stop      # cancel all jobs, then stop the daemons by their recorded PIDs
#
# State folder: $MATSENSE_SLURM_STATE (default /tmp/matsense-slurm). Ports: P (slurmctld) and
# P + 1 (slurmd), P = $MATSENSE_SLURM_PORT when set; else `start` reuses the port recorded in the
# state folder (<state>/port) when both are still free, or takes two free consecutive ports,
# records P and prints both.
set -euo pipefail
. "$(dirname "$0")/apt-install.sh"
. "$(dirname "$0")/ports.sh"
STATE=${MATSENSE_SLURM_STATE:-/tmp/matsense-slurm}
PORTFILE="$STATE/port"
PORT=${MATSENSE_SLURM_PORT:-}
[ -n "$PORT" ] || { [ -s "$PORTFILE" ] && PORT=$(cat "$PORTFILE"); } || true
CONF="$STATE/slurm.conf"
export SLURM_CONF="$CONF"

die() { echo "slurm.sh: $*" >&2; exit 1; }

have() { command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null && command -v sbatch >/dev/null; }

install() {
  if have; then return 0; fi
  apt_install slurm.sh slurm-wlm munge
  have || die "slurm-wlm installed but its programs are not on PATH"
}

# Is the process with the PID in file $1 alive?
alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start() {
  have || die "not installed; run: $0 install"
  if alive "$STATE/slurmctld.pid" && alive "$STATE/slurmd.pid" && alive "$STATE/munged.pid"; then
    echo "slurm.sh: already running (state $STATE, ports $PORT and $((PORT + 1)))"; return 0
  fi
  mkdir -p "$STATE/munge" "$STATE/ctld" "$STATE/d"
  if [ -z "${MATSENSE_SLURM_PORT:-}" ] && { [ -z "$PORT" ] || ! port_free "$PORT" || ! port_free $((PORT + 1)); }; then
    PORT=$(free_ports 2) || die "no two consecutive free ports found"
  fi
  echo "$PORT" >"$PORTFILE"
  chmod 700 "$STATE/munge"
  [ -s "$STATE/munge/munge.key" ] || mungekey --create --keyfile="$STATE/munge/munge.key" --force
  chmod 600 "$STATE/munge/munge.key"
  local host node cpus mem
  host=$(hostname -s)
  node=$(slurmd -C | head -1)
  cpus=$(sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' <<<"$node")
  mem=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$node")
  # Without DefMemPerCPU a task takes the whole node's memory and tasks run one at a time.
  # The default scheduler starts ~0.8 tasks/s; these parameters start them at once.
  cat >"$CONF" <<EOF
ClusterName=matsense
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$STATE/munge/munge.socket
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$STATE/slurmctld.daemon.pid
SlurmdPidFile=$STATE/slurmd.daemon.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=100000
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=$((mem / cpus / 2))
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MinJobAge=600
KillWait=10
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
  # munged, slurmctld and slurmd in the foreground of background subshells: $! is the daemon.
  setsid munged --foreground --force --key-file="$STATE/munge/munge.key" --socket="$STATE/munge/munge.socket" \
    --pid-file="$STATE/munge/munged.pid" --log-file="$STATE/munged.log" --seed-file="$STATE/munge/munged.seed" \
    </dev/null >>"$STATE/munged.out" 2>&1 &
  echo $! >"$STATE/munged.pid"
  for _ in $(seq 50); do [ -S "$STATE/munge/munge.socket" ] && break; sleep 0.1; done
  [ -S "$STATE/munge/munge.socket" ] || abort "munged did not start (see $STATE/munged.log)"
  setsid slurmctld -D -i </dev/null >>"$STATE/slurmctld.out" 2>&1 &
  echo $! >"$STATE/slurmctld.pid"
  setsid slurmd -D </dev/null >>"$STATE/slurmd.out" 2>&1 &
  echo $! >"$STATE/slurmd.pid"
  for _ in $(seq 100); do
    if sinfo -h -o %T 2>/dev/null | grep -qx idle; then
      echo "slurm.sh: started (state $STATE, slurmctld port $PORT, slurmd port $((PORT + 1)); export SLURM_CONF=$CONF)"; return 0
    fi
    alive "$STATE/slurmctld.pid" || abort "slurmctld exited (see $STATE/slurmctld.log)"
    alive "$STATE/slurmd.pid" || abort "slurmd exited (see $STATE/slurmd.log)"
    sleep 0.2
  done
  abort "the node did not become idle within 20 s (see $STATE/slurmctld.log, $STATE/slurmd.log)"
}

# A failed start stops what it did start (by recorded PID) before it reports the failure, so
# no munged or slurmd is left behind (e.g. when another Slurm holds the ports).
abort() {
  stop >/dev/null 2>&1 || true
  die "$@"
}

stop_pid() {
  local f=$1
  alive "$f" || { rm -f "$f"; return 0; }
  local pid; pid=$(cat "$f")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  rm -f "$f"
}

stop() {
  # slurmstepd outlives slurmd: cancel the jobs and let them end before the daemons go.
  if alive "$STATE/slurmctld.pid"; then
    scancel --full --signal=TERM --state=RUNNING --user="$(id -un)" 2>/dev/null || true
    scancel --user="$(id -un)" 2>/dev/null || true
    for _ in $(seq 150); do [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break; sleep 0.2; done
  fi
  stop_pid "$STATE/slurmd.pid"
  stop_pid "$STATE/slurmctld.pid"
  stop_pid "$STATE/munged.pid"
  echo "slurm.sh: stopped"
}

case "${1:-}" in
  install) install ;;
  check) have || { echo "slurm.sh: Slurm is not installed (Debian: sudo scripts/slurm.sh install, or sudo apt-get install slurm-wlm munge)" >&2; exit 3; } ;;
  start) start ;;
  stop) stop ;;
  env) echo "export SLURM_CONF=$CONF" ;;
  *) echo "usage: $0 install|check|start|stop|env" >&2; exit 2 ;;
esac
