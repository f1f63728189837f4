#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests, made with the machine's initdb and pg_ctl.
#
# Sourced by .ci/run:   . .ci/postgres.sh; pg_start   (exports WACLOUD_TEST_POSTGRES_URL,
#                                                       PG_TEST_DIR, PG_TEST_BIN; pg_stop on exit)
# Or by hand:           .ci/postgres.sh start   → prints KEY=VALUE lines (the URL, pg_ctl, the
#                       data folder, its owner, the cluster's folder); stop and remove it with
#                       .ci/postgres.sh stop <the cluster's folder>
#
# The cluster lives in a temporary folder (data, log and unix socket), listens on a free port of
# 127.0.0.1, trusts local connections (it is never reachable from elsewhere), and runs without
# fsync: it is thrown away afterwards. initdb refuses to run as root, so as root the cluster is
# made and run by an unprivileged user (`postgres` if it exists, else `wacloud-ci`, created).

pg_find_bin() {
  local d
  for d in "${PG_BIN:-}" /usr/local/bin /usr/lib/postgresql/*/bin; do
    if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  echo "no initdb/pg_ctl found (set PG_BIN)" >&2
  return 1
}

pg_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Runs "$@" as the cluster's owner.
pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$PG_TEST_OWNER" -- "$@"
  else
    "$@"
  fi
}

pg_start() {
  PG_TEST_BIN=$(pg_find_bin)
  export PG_TEST_BIN
  PG_TEST_OWNER=$(id -un)
  if [ "$(id -u)" -eq 0 ]; then
    if id -u postgres >/dev/null 2>&1; then
      PG_TEST_OWNER=postgres
    else
      id -u wacloud-ci >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin wacloud-ci
      PG_TEST_OWNER=wacloud-ci
    fi
  fi
  export PG_TEST_OWNER
  PG_TEST_DIR=$(mktemp -d -t wacloud-pg.XXXXXX)
  export PG_TEST_DIR
  chmod 755 "$PG_TEST_DIR"
  mkdir -p "$PG_TEST_DIR/data" "$PG_TEST_DIR/socket"
  [ "$(id -u)" -eq 0 ] && chown -R "$PG_TEST_OWNER" "$PG_TEST_DIR"
  local port
  port=$(pg_free_port)
  pg_as_owner "$PG_TEST_BIN/initdb" -D "$PG_TEST_DIR/data" -U wacloud --auth=trust \
    --encoding=UTF8 --locale=C >"$PG_TEST_DIR/initdb.log" 2>&1 || {
    cat "$PG_TEST_DIR/initdb.log" >&2
    return 1
  }
  # In postgresql.conf rather than on pg_ctl's command line, so that a plain
  # `pg_ctl -D <data> start` (the restart test) brings the same server back.
  cat >>"$PG_TEST_DIR/data/postgresql.conf" <<CONF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_TEST_DIR/socket'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 400
shared_buffers = 64MB
CONF
  pg_as_owner "$PG_TEST_BIN/pg_ctl" -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/server.log" -w -t 60 \
    start >/dev/null || {
    cat "$PG_TEST_DIR/server.log" >&2
    return 1
  }
  echo "$port" >"$PG_TEST_DIR/port"
  WACLOUD_TEST_POSTGRES_URL="postgres://wacloud@127.0.0.1:$port/postgres"
  export WACLOUD_TEST_POSTGRES_URL
  # What the stop/restart test needs to control the cluster.
  export WACLOUD_TEST_PG_CTL="$PG_TEST_BIN/pg_ctl"
  export WACLOUD_TEST_PG_DATA="$PG_TEST_DIR/data"
  export WACLOUD_TEST_PG_OWNER="$PG_TEST_OWNER"
}

pg_stop() {
  [ -n "${PG_TEST_DIR:-}" ] && [ -d "$PG_TEST_DIR" ] || return 0
  pg_as_owner "$PG_TEST_BIN/pg_ctl" -D "$PG_TEST_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_TEST_DIR"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}" in
    start)
      pg_start
      # KEY=VALUE lines (the restart test reads them).
      echo "WACLOUD_TEST_POSTGRES_URL=$WACLOUD_TEST_POSTGRES_URL"
      echo "WACLOUD_TEST_PG_CTL=$WACLOUD_TEST_PG_CTL"
      echo "WACLOUD_TEST_PG_DATA=$WACLOUD_TEST_PG_DATA"
      echo "WACLOUD_TEST_PG_OWNER=$WACLOUD_TEST_PG_OWNER"
      echo "PG_TEST_DIR=$PG_TEST_DIR"
      ;;
    stop)
      PG_TEST_DIR=${2:?usage: $0 stop <dir>}
      PG_TEST_BIN=$(pg_find_bin)
      PG_TEST_OWNER=$(stat -c %U "$PG_TEST_DIR/data")
      pg_stop
      ;;
    *) echo "usage: $0 start | stop <dir>" >&2; exit 2 ;;
  esac
fi
