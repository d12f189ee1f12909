# Shared by the scripts: quiet .NET, a step banner, and a one-line test summary.
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export DOTNET_CLI_UI_LANGUAGE=en

# libtorch's OpenMP threads sleep instead of spinning while they wait: spinning made 2-thread training steps 2-10x
# slower whenever anything else ran (tests run several processes at once). TorchRuntime sets it too, natively, for
# processes started some other way; a value the caller chose (e.g. ACTIVE on a dedicated machine) is kept.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"

step() { printf '\n==> %s\n' "$*"; }

# Sums the per-assembly totals that `dotnet test` prints ("Passed: 4", "Failed: 0", "Skipped: 1") into one closing line.
summarize_tests() {
  awk '/^[[:space:]]*(Passed|Failed|Skipped):[[:space:]]*[0-9]+[[:space:]]*$/ {
         gsub(/[[:space:]]/, ""); split($0, kv, ":"); total[kv[1]] += kv[2] }
       END { printf "\ntests: %d passed, %d failed, %d skipped\n", total["Passed"], total["Failed"], total["Skipped"] }' "$1"
}
