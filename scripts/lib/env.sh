# Shared by the scripts: quiet .NET, a step banner, and a one-line test summary.
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export DOTNET_CLI_UI_LANGUAGE=en

step() { printf '\n==> %s\n' "$*"; }

# Sums the per-assembly "Failed: x, Passed: y, Skipped: z" lines of `dotnet test` into one closing line.
summarize_tests() {
  awk '/(Passed|Failed)!  - Failed:/ {
         gsub(/,/, ""); for (i = 1; i <= NF; i++) {
           if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
       END { printf "\ntests: %d passed, %d failed, %d skipped\n", p, f, s }' "$1"
}
