# Shared by the scripts: quiet .NET, a step banner, and a one-line test summary.
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export DOTNET_CLI_UI_LANGUAGE=en

step() { printf '\n==> %s\n' "$*"; }

# Sums the per-assembly totals that `dotnet test` prints ("Passed: 4", "Failed: 0", "Skipped: 1") into one closing line.
summarize_tests() {
  awk '/^[[:space:]]*(Passed|Failed|Skipped):[[:space:]]*[0-9]+[[:space:]]*$/ {
         gsub(/[[:space:]]/, ""); split($0, kv, ":"); total[kv[1]] += kv[2] }
       END { printf "\ntests: %d passed, %d failed, %d skipped\n", total["Passed"], total["Failed"], total["Skipped"] }' "$1"
}
