#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on 127.0.0.1 before tests run: starts them if they are installed but
# down, installs them from Debian's packages if they are missing and we are root. With Docker, use
# `docker compose up -d postgres redis` instead. Idempotent and quiet when all is well.
set -euo pipefail

say() { printf '[services] %s\n' "$*" >&2; }
pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; }
wait_for() { for _ in $(seq 1 60); do "$1" && return 0; sleep 0.5; done; return 1; }

apt_install() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    say "$1 is missing and cannot be installed here: install it, or run 'docker compose up -d postgres redis'."
    exit 1
  fi
  say "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! pg_up; then
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  say "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_for pg_up || { say "PostgreSQL did not come up on 127.0.0.1:5432"; exit 1; }
  # Trust auth for local test users, as on the development machines.
  psql -h 127.0.0.1 -U postgres -c 'select 1' >/dev/null 2>&1 || say "PostgreSQL is up but user postgres cannot connect without a password; set TEST_DATABASE_URL"
fi

if ! command -v redis-server >/dev/null; then apt_install redis-server; fi
if ! redis_up; then
  say "starting Redis"
  mkdir -p /tmp/customer-hub-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no \
    --dir /tmp/customer-hub-redis --logfile /tmp/customer-hub-redis/redis.log
  wait_for redis_up || { say "Redis did not come up on 127.0.0.1:6379"; exit 1; }
fi
