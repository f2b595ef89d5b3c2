# A throwaway PostgreSQL cluster for the store tests. Source it (`source .ci/postgres.sh`):
# it installs Debian's postgresql when absent, initialises a cluster in a temporary folder as an
# unprivileged user, starts it on a free loopback port with its socket in that folder, exports
# CLAUSELENS_TEST_PG_URL, and stops and removes the cluster when the sourcing shell exits.
#
# Developers can source it too (as root, or as any user who may run initdb), then run the tests:
#   source .ci/postgres.sh && python -m pytest -q tests/test_store_backends.py
# The cluster trusts connections from this machine only, and keeps no data worth an fsync.

_pg_bindir() {
  local initdb
  initdb=$(ls -1d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n1)
  [ -n "$initdb" ] && dirname "$initdb"
}

if [ -z "$(_pg_bindir)" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi
CLAUSELENS_PG_BIN=$(_pg_bindir)

# initdb refuses to run as root: the cluster belongs to Debian's unprivileged `postgres` user.
if [ "$(id -u)" = 0 ]; then
  _pg_as() { runuser -u postgres -- "$@"; }
else
  _pg_as() { "$@"; }
fi

CLAUSELENS_PG_DIR=$(mktemp -d /tmp/clauselens-pg.XXXXXX)
chmod 755 "$CLAUSELENS_PG_DIR"
[ "$(id -u)" = 0 ] && chown postgres: "$CLAUSELENS_PG_DIR"
CLAUSELENS_PG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

_pg_stop() {
  _pg_as "$CLAUSELENS_PG_BIN/pg_ctl" -D "$CLAUSELENS_PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$CLAUSELENS_PG_DIR"
}
trap _pg_stop EXIT

_pg_as "$CLAUSELENS_PG_BIN/initdb" -D "$CLAUSELENS_PG_DIR/data" -U clauselens --auth=trust \
  -E UTF8 --locale=C.UTF-8 >/dev/null
_pg_as "$CLAUSELENS_PG_BIN/pg_ctl" -D "$CLAUSELENS_PG_DIR/data" -l "$CLAUSELENS_PG_DIR/server.log" -w \
  -o "-p $CLAUSELENS_PG_PORT -k $CLAUSELENS_PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null

export CLAUSELENS_TEST_PG_URL="postgresql+psycopg://clauselens@127.0.0.1:$CLAUSELENS_PG_PORT/postgres"
echo "PostgreSQL $("$CLAUSELENS_PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$CLAUSELENS_PG_PORT (cluster in $CLAUSELENS_PG_DIR): CLAUSELENS_TEST_PG_URL=$CLAUSELENS_TEST_PG_URL"
