# A throwaway PostgreSQL server on 127.0.0.1 for the tests.
# aton_postgres_start exports ATON_TEST_PG_URI; aton_postgres_stop removes it.
# PostgreSQL refuses to run as root, so as root the server runs as `postgres`.

aton_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

aton_postgres_start() {
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$bindir" ]; then
    echo "PostgreSQL server binaries not found under /usr/lib/postgresql" >&2
    return 1
  fi
  ATON_PG_DIR=$(mktemp -d /tmp/aton-pg.XXXXXX)
  ATON_PG_PORT=$(aton_free_port)
  local as=()
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$ATON_PG_DIR"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$bindir/initdb" -D "$ATON_PG_DIR/data" -U aton --auth=trust -E UTF8 >"$ATON_PG_DIR/initdb.log" 2>&1 ||
    { cat "$ATON_PG_DIR/initdb.log" >&2; return 1; }
  "${as[@]}" "$bindir/pg_ctl" -D "$ATON_PG_DIR/data" -l "$ATON_PG_DIR/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $ATON_PG_PORT -k $ATON_PG_DIR" start >/dev/null ||
    { cat "$ATON_PG_DIR/server.log" >&2; return 1; }
  "${as[@]}" "$bindir/createdb" -h 127.0.0.1 -p "$ATON_PG_PORT" -U aton aton_test
  export ATON_TEST_PG_URI="postgresql://aton@127.0.0.1:$ATON_PG_PORT/aton_test"
  ATON_PG_BINDIR=$bindir
  ATON_PG_AS=("${as[@]}")
  echo "==> PostgreSQL on 127.0.0.1:$ATON_PG_PORT ($ATON_TEST_PG_URI)"
}

aton_postgres_stop() {
  [ -n "${ATON_PG_DIR:-}" ] || return 0
  "${ATON_PG_AS[@]}" "$ATON_PG_BINDIR/pg_ctl" -D "$ATON_PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$ATON_PG_DIR"
  ATON_PG_DIR=""
}
