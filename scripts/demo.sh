#!/usr/bin/env bash
# One command from a fresh clone to the end-to-end demo: installs Azurite (npm ci), builds the `covid` CLI and runs
# `covid demo`, which starts its own Azurite, trains, publishes, triages and reports. Arguments go to `covid demo`
# (e.g. --quick for the tiny model).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/env.sh

step "npm ci (Azurite)"
npm ci --no-audit --no-fund --loglevel=error

step "dotnet build src/ServerlessCovid.Cli (Release)"
dotnet build src/ServerlessCovid.Cli/ServerlessCovid.Cli.csproj -c Release

step "covid demo $*"
dotnet src/ServerlessCovid.Cli/bin/Release/net10.0/covid.dll demo "$@"
