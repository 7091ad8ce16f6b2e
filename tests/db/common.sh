# shellcheck shell=bash
# Shared helpers for tests/db/*.sh (sourced; from the twpipe DB recipes).

# apt_install PKG... : install Debian packages without letting their maintainer
# scripts start system services (no systemd in CI containers; /etc/init.d/*
# would otherwise be run by invoke-rc.d and start a server on the default port).
apt_install() {
    local guard_created=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        guard_created=1
    fi
    local rc=0
    if ! ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1; then
        apt-get update -qq || rc=$?
    fi
    if [ "$rc" -eq 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" \
            >/dev/null || rc=$?
    fi
    if [ "$guard_created" -eq 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
    return "$rc"
}

# pid_alive PIDFILE : true if the pid file exists and names a live process
pid_alive() {
    local pid
    [ -s "$1" ] || return 1
    pid=$(head -n1 "$1" 2>/dev/null) || return 1
    case "$pid" in ''|*[!0-9]*) return 1 ;; esac
    kill -0 "$pid" 2>/dev/null
}

# wait_pid_gone PID SECONDS : wait for a process (not necessarily our child) to exit
wait_pid_gone() {
    local pid=$1 n=$(( $2 * 10 ))
    while kill -0 "$pid" 2>/dev/null && [ "$n" -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
    ! kill -0 "$pid" 2>/dev/null
}

# free_port : prints a TCP port on 127.0.0.1 that is free now
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
