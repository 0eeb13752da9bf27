#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests (Debian's postgresql-15, in a temp dir, on a free
# port, trust auth for the user lore).
#   scripts/postgres.sh start   prints the cluster's dir, then its URL (postgres://lore@127.0.0.1:PORT/postgres)
#   scripts/postgres.sh stop DIR
#   scripts/postgres.sh pause DIR / resume DIR   stops the server keeping its data / starts it again on its port
# It runs as the postgres user (the server refuses root); without root or postgresql-15 it says why
# and exits 3, and the tests that need it say they were skipped and why.
set -euo pipefail
BIN=${LORE_PG_BIN:-/usr/lib/postgresql/15/bin}
cmd=${1:-}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$cmd" in
  start)
    if [ ! -x "$BIN/initdb" ]; then
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "[postgres] apt-get install postgresql-15" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-15 >&2 || true
      fi
      [ -x "$BIN/initdb" ] || { echo "[postgres] no PostgreSQL 15 at $BIN (apt-get install postgresql-15)" >&2; exit 3; }
    fi
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then echo "[postgres] no postgres user to run the server as" >&2; exit 3; fi
    dir=$(mktemp -d "${TMPDIR:-/tmp}/lore-pg.XXXXXX")
    chmod 755 "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
    as_pg "$BIN/initdb" -D "$dir/data" -A trust -U lore >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 3; }
    echo "$port" >"$dir/port"
    as_pg "$BIN/pg_ctl" -D "$dir/data" -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" -l "$dir/log" -w start >/dev/null || { cat "$dir/log" >&2; exit 3; }
    echo "$dir"
    echo "postgres://lore@127.0.0.1:$port/postgres"
    ;;
  stop)
    dir=${2:?usage: postgres.sh stop DIR}
    as_pg "$BIN/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  pause)
    dir=${2:?usage: postgres.sh pause DIR}
    as_pg "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  resume)
    dir=${2:?usage: postgres.sh resume DIR}
    port=$(cat "$dir/port")
    as_pg "$BIN/pg_ctl" -D "$dir/data" -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" -l "$dir/log" -w start >/dev/null || { cat "$dir/log" >&2; exit 3; }
    ;;
  *)
    echo "usage: scripts/postgres.sh start | stop DIR | pause DIR | resume DIR" >&2
    exit 2
    ;;
esac
