#!/usr/bin/env bash
# Start Debian's PostgreSQL cluster on 127.0.0.1 (installing it if needed) and create an empty
# database NAME owned by a role of the same name. Prints its URL. Used by .ci/run and make bench.
set -euo pipefail
name="${1:-signon_test}"
export DEBIAN_FRONTEND=noninteractive
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
pg_lsclusters -h | grep -q "^${version} main" || pg_createcluster "${version}" main >/dev/null
pg_ctlcluster "${version}" main status >/dev/null 2>&1 || pg_ctlcluster "${version}" main start >&2
for _ in $(seq 1 30); do
  runuser -u postgres -- pg_isready -q -h 127.0.0.1 && break
  sleep 1
done
runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 >/dev/null <<SQL
SET client_min_messages = warning;
DROP DATABASE IF EXISTS ${name} WITH (FORCE);
DROP ROLE IF EXISTS ${name};
CREATE ROLE ${name} LOGIN PASSWORD '${name}';
CREATE DATABASE ${name} OWNER ${name};
SQL
echo "postgresql://${name}:${name}@127.0.0.1:5432/${name}"
