#!/usr/bin/env bash
# Sourced by .ci/run and `make bench`: makes sure a PostgreSQL server runs for the tests and benchmarks
# that need one, and exports CIX_TEST_PG_URL. Uses Debian's PostgreSQL (installed by .ci/run when
# missing); needs root. A CIX_TEST_PG_URL already set is used as it is; elsewhere it says why nothing was
# set up, and those tests say they were skipped.
# PostgreSQL: the newest installed major version's `main` cluster, created when missing, started when
# down; a login role and a database for the tests. Safe to run again (everything is checked first).
PG_ROLE=cix_test
PG_DB=cix_test
PG_PASSWORD=cix_test # a throw-away role on a cluster that listens on localhost only
as_postgres() { (cd / && runuser -u postgres -- "$@"); }
pg_sql() { as_postgres psql -X -q -t -A -v ON_ERROR_STOP=1 -p "$pg_port" -d postgres -c "$1"; }
start_postgres() {
  local version status
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { found = 1 } END { exit !found }'; then
    echo "postgres: creating PostgreSQL cluster $version/main"
    pg_createcluster "$version" main >/dev/null
  fi
  pg_port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { print $3 }')
  status=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { print $4 }')
  if [ "$status" != online ]; then
    echo "postgres: starting PostgreSQL $version/main on port $pg_port"
    pg_ctlcluster "$version" main start
  fi
  for _ in $(seq 1 60); do
    pg_isready -q -h 127.0.0.1 -p "$pg_port" && break
    sleep 0.5
  done
  pg_isready -q -h 127.0.0.1 -p "$pg_port" || { echo "postgres: PostgreSQL $version/main is not accepting connections on 127.0.0.1:$pg_port" >&2; return 1; }
  if [ "$(pg_sql "SELECT 1 FROM pg_roles WHERE rolname = '$PG_ROLE'")" = 1 ]; then
    pg_sql "ALTER ROLE $PG_ROLE LOGIN CREATEDB PASSWORD '$PG_PASSWORD'"
  else
    pg_sql "CREATE ROLE $PG_ROLE LOGIN CREATEDB PASSWORD '$PG_PASSWORD'"
  fi
  if [ "$(pg_sql "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" != 1 ]; then
    pg_sql "CREATE DATABASE $PG_DB OWNER $PG_ROLE"
  fi
  export CIX_TEST_PG_URL="postgres://$PG_ROLE:$PG_PASSWORD@127.0.0.1:$pg_port/$PG_DB"
  echo "postgres: PostgreSQL $version/main ready: CIX_TEST_PG_URL=postgres://$PG_ROLE:***@127.0.0.1:$pg_port/$PG_DB"
}
if [ -n "${CIX_TEST_PG_URL:-}" ]; then
  echo "postgres: using the given CIX_TEST_PG_URL"
elif [ "$(id -u)" -ne 0 ]; then
  echo "postgres: not root, PostgreSQL not set up: the PostgreSQL tests and benchmark say they are skipped"
elif ! command -v pg_ctlcluster >/dev/null 2>&1 || [ ! -d /usr/lib/postgresql ]; then
  echo "postgres: Debian's postgresql is not installed: the PostgreSQL tests and benchmark say they are skipped"
else
  start_postgres
fi
