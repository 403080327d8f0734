# A throwaway NATS server with JetStream on 127.0.0.1 for the tests.
# aton_nats_start exports ATON_TEST_NATS_URL (nats://127.0.0.1:PORT);
# aton_nats_stop stops the server and removes its store. Needs
# aton_free_port (scripts/lib/postgres.sh) and python3.

aton_nats_start() {
  if ! command -v nats-server >/dev/null 2>&1; then
    echo "nats-server not found (Debian package nats-server)" >&2
    return 1
  fi
  ATON_NATS_DIR=$(mktemp -d /tmp/aton-nats.XXXXXX)
  ATON_NATS_PORT=$(aton_free_port)
  nats-server -a 127.0.0.1 -p "$ATON_NATS_PORT" -js -sd "$ATON_NATS_DIR/store" \
    -l "$ATON_NATS_DIR/server.log" &
  ATON_NATS_PID=$!
  # Ready when the client port greets with INFO (the server recovers
  # JetStream before it accepts clients); at most 20 s, never a bare sleep.
  if ! python3 - "$ATON_NATS_PORT" "$ATON_NATS_PID" <<'PY'
import os, socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
deadline = time.monotonic() + 20
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(1)  # the server exited: its log says why
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.settimeout(1)
            if s.recv(4096).startswith(b"INFO "):
                sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
PY
  then
    echo "nats-server did not come up on 127.0.0.1:$ATON_NATS_PORT within 20 s" >&2
    cat "$ATON_NATS_DIR/server.log" >&2 || true
    aton_nats_stop
    return 1
  fi
  export ATON_TEST_NATS_URL="nats://127.0.0.1:$ATON_NATS_PORT"
  echo "==> NATS (JetStream) on $ATON_TEST_NATS_URL"
}

aton_nats_stop() {
  [ -n "${ATON_NATS_DIR:-}" ] || return 0
  if [ -n "${ATON_NATS_PID:-}" ] && kill "$ATON_NATS_PID" 2>/dev/null; then
    # SIGTERM, then at most 10 s before SIGKILL.
    for _ in $(seq 1 100); do
      kill -0 "$ATON_NATS_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$ATON_NATS_PID" 2>/dev/null || true
    wait "$ATON_NATS_PID" 2>/dev/null || true
  fi
  rm -rf "$ATON_NATS_DIR"
  ATON_NATS_DIR=""
  ATON_NATS_PID=""
  unset ATON_TEST_NATS_URL
}
