#!/usr/bin/env bash
# Runs LeadFlow's whole test suite: builds the solution, starts a throwaway PostgreSQL server for the PostgreSQL
# tests, runs every test project, and ends with one line "N passed, N failed[, N skipped]".
# Prerequisites missing on a fresh machine (PostgreSQL) are installed by .ci/install.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  bash "$root/.ci/install"
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

# A private PostgreSQL cluster on a free loopback port, removed on exit. fsync is off: these databases are scratch.
pg_dir=$(mktemp -d /tmp/leadflow-pg.XXXXXX)
pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg=()
if [ "$(id -u)" = 0 ]; then
  chown postgres:postgres "$pg_dir"
  as_pg=(runuser -u postgres --)
fi
cleanup() {
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap cleanup EXIT
"${as_pg[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust >/dev/null
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
  -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200" start >/dev/null
export LEADFLOW_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres"

results="$root/TestResults"
rm -rf "$results"
set +e
dotnet test "$root/LeadFlow.sln" -c Release --logger "trx" --results-directory "$results" "$@"
status=$?
set -e

# The totals, from the TRX files every test project wrote.
python3 - "$results" "$status" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for path in glob.glob(sys.argv[1] + "/*.trx"):
    counters = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    passed += int(counters.get("passed", 0))
    failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0)) + int(counters.get("aborted", 0))
    skipped += int(counters.get("notExecuted", 0))
if failed == 0 and int(sys.argv[2]) != 0:
    failed = 1  # the build or a test host failed without a test result to show for it
line = f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else "")
print(line)
PY
exit $status
