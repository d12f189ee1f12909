using System.Diagnostics;

namespace ServerlessCovid.Cli.Tests;

/// <summary>
/// libgomp reads OMP_WAIT_POLICY natively, once, when libtorch loads, so only a fresh process shows what it really
/// saw. <c>OMP_DISPLAY_ENV=VERBOSE</c> makes libgomp print its settings: <c>GOMP_SPINCOUNT</c> is 0 under PASSIVE
/// (threads sleep at once) and 300000 when the variable is unset (threads spin first, which is what turned 2-thread
/// training steps into minutes on a loaded machine).
/// </summary>
public sealed class OpenMpWaitPolicyTests
{
    [Fact]
    public async Task Platform_NoWaitPolicyInTheEnvironment_LibgompSleepsInsteadOfSpinning()
    {
        // Act
        (int exit, string output) = await RunPlatformAsync(waitPolicy: null);

        // Assert
        Assert.Equal(0, exit);
        Assert.Contains("GOMP_SPINCOUNT = '0'", output, StringComparison.Ordinal);
        Assert.Contains("OMP_WAIT_POLICY PASSIVE (set natively before libtorch loaded)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Platform_CallerChoseActive_CallersPolicyIsKept()
    {
        // Act
        (int exit, string output) = await RunPlatformAsync(waitPolicy: "ACTIVE");

        // Assert
        Assert.Equal(0, exit);
        Assert.Contains("OMP_WAIT_POLICY = 'ACTIVE'", output, StringComparison.Ordinal);
        Assert.Contains("OMP_WAIT_POLICY ACTIVE (from the environment)", output, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> RunPlatformAsync(string? waitPolicy)
    {
        ProcessStartInfo start = new("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(CovidCli).Assembly.Location);
        start.ArgumentList.Add("platform");
        start.Environment["OMP_DISPLAY_ENV"] = "VERBOSE";
        start.Environment.Remove("OMP_WAIT_POLICY");
        if (waitPolicy is not null)
        {
            start.Environment["OMP_WAIT_POLICY"] = waitPolicy;
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }
}
