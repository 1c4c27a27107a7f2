#!/usr/bin/env bash
# Stop the daemons that up.sh started, by the PIDs it recorded (slurmd,
# slurmctld, then munged).  Daemons that were already running before up.sh
# (no PID file in the state directory) are left alone.  Idempotent.
set -uo pipefail

STATE=${SCIMODEL_SLURM_STATE:-/var/tmp/scimodel-slurm}
say() { echo "[slurm-down] $*"; }

stop() {  # stop <pidfile> <exe-name>
    local f=$1 name=$2 pid
    [ -s "$f" ] || { say "$name: not started by up.sh (no $f)"; return 0; }
    pid=$(cat "$f")
    if [ -d "/proc/$pid" ] && [ "$(cat /proc/$pid/comm 2>/dev/null)" = "$name" ]; then
        kill -TERM "$pid"
        for _ in $(seq 1 50); do [ -d "/proc/$pid" ] || break; sleep 0.2; done
        if [ -d "/proc/$pid" ]; then
            say "$name (pid $pid) ignored SIGTERM for 10 s; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null
        fi
        say "$name (pid $pid) stopped"
    else
        say "$name (pid $pid) not running"
    fi
    rm -f "$f"
}

# Cancel leftover jobs first so that slurmd does not leave job processes behind.
if [ -s "$STATE/slurmctld.pid" ] && command -v scancel >/dev/null 2>&1; then
    timeout 10 scancel --user "$(id -un)" >/dev/null 2>&1 || true
fi
stop "$STATE/slurmd.pid" slurmd
stop "$STATE/slurmctld.pid" slurmctld
stop "$STATE/munged.pid" munged
