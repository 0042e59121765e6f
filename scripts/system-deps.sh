#!/usr/bin/env bash
# Installs (Debian, apt-get) and starts what the test suites use beyond npm: the Prometheus binaries, the
# exporters, Chromium, curl, openssl, docker-compose (its Compose schema check), dnsmasq and ping (the DNS
# and ping monitors' tests), a C++ toolchain (the SQLite addon when no prebuilt binary can be downloaded),
# and PostgreSQL and Redis on 127.0.0.1.
# `npm run test:all` and .ci/run call it. Whatever is already there is left alone, so a second run is a
# no-op. Without root or apt-get it only says what is missing (the suites then skip those tests with the
# same line), except in CI (CI=true), where that is an error.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
need=()
want() { command -v "$1" >/dev/null 2>&1 || need+=("$2"); }
want prometheus prometheus
want promtool prometheus
want prometheus-alertmanager prometheus-alertmanager
want amtool prometheus-alertmanager
want prometheus-node-exporter prometheus-node-exporter
want prometheus-postgres-exporter prometheus-postgres-exporter
want prometheus-redis-exporter prometheus-redis-exporter
want docker-compose docker-compose
want chromium chromium
want curl curl
want openssl openssl
want make build-essential
want g++ build-essential
want python3 python3
want redis-server redis-server
want pg_ctlcluster postgresql
want dnsmasq dnsmasq-base
want ping iputils-ping
want mariadbd mariadb-server

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

fail_or_warn() {
  echo "system-deps: $1" >&2
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  echo "system-deps: the tests that need it will be skipped" >&2
  exit 0
}

if [ ${#need[@]} -gt 0 ]; then
  mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    fail_or_warn "missing: apt-get install ${need[*]} (as root)"
  fi
  echo "system-deps: apt-get install ${need[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# Debian's packages start their services through systemd, which a container does not run.
if ! listening 6379; then
  echo "system-deps: starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 >/dev/null ||
    fail_or_warn "Redis does not start"
fi
if ! listening 5432; then
  [ "$(id -u)" = 0 ] || fail_or_warn "PostgreSQL is not running on 127.0.0.1:5432 (start it as root)"
  echo "system-deps: starting PostgreSQL"
  pg_lsclusters -h | awk '{print $1, $2}' | while read -r version cluster; do
    pg_ctlcluster "$version" "$cluster" start || true
  done
  for _ in $(seq 1 30); do listening 5432 && break; sleep 1; done
  listening 5432 || fail_or_warn "PostgreSQL does not start"
fi
# The stack suite's postgres exporter connects as postgres without a password, as the test machine's
# cluster allows. On a fresh cluster (scram by default) trust loopback, for this user only.
if ! PGCONNECT_TIMEOUT=5 psql -h 127.0.0.1 -U postgres -w -Atc 'select 1' >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || fail_or_warn "PostgreSQL refuses postgres@127.0.0.1 without a password"
  for hba in /etc/postgresql/*/*/pg_hba.conf; do
    sed -i '1i host all postgres 127.0.0.1/32 trust' "$hba"
  done
  pg_lsclusters -h | awk '{print $1, $2}' | while read -r version cluster; do
    pg_ctlcluster "$version" "$cluster" reload
  done
fi
# MariaDB (the MySQL monitor's tests): root over TCP without a password, as Debian's root@localhost is.
if ! listening 3306; then
  [ "$(id -u)" = 0 ] || fail_or_warn "MariaDB is not running on 127.0.0.1:3306 (start it as root)"
  echo "system-deps: starting MariaDB"
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --bind-address=127.0.0.1
  for _ in $(seq 1 30); do listening 3306 && break; sleep 1; done
  listening 3306 || fail_or_warn "MariaDB does not start"
fi
echo "system-deps: everything the suites use is installed and running"
