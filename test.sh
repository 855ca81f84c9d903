#!/usr/bin/env bash
# Runs every test project of the solution and ends with one line: "N passed, N failed".
# Installs what the tests need first (Debian packages when missing, as root; npm packages through the build).
# In CI (CI=true) a prerequisite that cannot be installed is a failure, never a silent skip.
set -uo pipefail
cd "$(dirname "$0")"

log() { printf '==> %s\n' "$*"; }

# --- prerequisites -----------------------------------------------------------------------------
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v postconf >/dev/null 2>&1 || missing+=(postfix)
command -v knotd >/dev/null 2>&1 || missing+=(knot)
command -v kdig >/dev/null 2>&1 || missing+=(knot-dnsutils)
[ -f /usr/share/doc/python3-spf/rfc7208-tests.yml.gz ] || missing+=(python3-spf)
command -v swaks >/dev/null 2>&1 || missing+=(swaks)
# The PostgreSQL tests start their own cluster with initdb/pg_ctl from /usr/lib/postgresql/<version>/bin (not on PATH).
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
# The cluster tests run Redis (SignalR backplane) and nginx (load balancer) from their binaries with their own configs.
[ -x /usr/bin/redis-server ] || missing+=(redis-server)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing Debian packages: ${missing[*]}. Run this script as root (it installs them) or install them first." >&2
    exit 1
  fi
  log "Installing Debian packages: ${missing[*]}"
  # Postfix asks about its configuration on install; the tests start their own instances, so none is wanted.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  # redis-server and nginx would start as machine services on install; the tests start their own, so keep the
  # packages' services from starting (policy-rc.d is Debian's switch for that), only while installing.
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && policy=/usr/sbin/policy-rc.d
  fi
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
    [ -z "$policy" ] || rm -f "$policy"
    echo "Could not install: ${missing[*]}" >&2
    exit 1
  fi
  [ -z "$policy" ] || rm -f "$policy"
fi
for tool in dotnet node npm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$tool is required but not installed." >&2; exit 1; }
done

# --- build (runs npm ci for the front end through the server project) ---------------------------
log "Building the solution"
if ! dotnet build BackscatterConsole.sln -c Debug -nologo -clp:ErrorsOnly; then
  echo "Build failed." >&2
  exit 1
fi

# --- tests -------------------------------------------------------------------------------------
results=artifacts/test-results
rm -rf "$results"
mkdir -p "$results"
passed=0
failed=0
status=0
for project in tests/*.Tests/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  log "Testing $name"
  dotnet test "$project" --no-build -c Debug -nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" \
    --results-directory "$results/$name" || status=1
  trx="$results/$name/$name.trx"
  if [ ! -f "$trx" ]; then
    echo "$name produced no results (the test host crashed or did not start)." >&2
    failed=$((failed + 1))
    status=1
    continue
  fi
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0}))
done

[ "$failed" -eq 0 ] || status=1
echo "$passed passed, $failed failed"
exit $status
