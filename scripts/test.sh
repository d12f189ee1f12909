#!/usr/bin/env bash
# One command from a fresh clone to a full test run: installs Azurite (npm ci), restores, builds with warnings as
# errors (which also patches TorchSharp on old libstdc++), then runs every test project. Azurite is started and
# stopped by the test fixtures on loopback ports chosen at run time. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/env.sh

step "npm ci (Azurite $(node -p "require('./package.json').devDependencies.azurite"))"
npm ci --no-audit --no-fund --loglevel=error

step "dotnet restore"
dotnet restore ServerlessCovid.sln

step "dotnet build (Release, warnings are errors)"
dotnet build ServerlessCovid.sln -c Release --no-restore

step "dotnet test"
mkdir -p artifacts
log=artifacts/test.log
set +e
dotnet test ServerlessCovid.sln -c Release --no-build --blame-hang-timeout 15m \
  --logger "console;verbosity=normal" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
summarize_tests "$log"
exit "$status"
