using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessCovid.Functions.Http;
using ServerlessCovid.Functions.Retraining;
using ServerlessCovid.Retraining.Hosting;
using ServerlessCovid.Retraining.Orchestration;
using ServerlessCovid.Retraining.Tests.Support;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Retraining.Tests.Functions;

/// <summary>The status function against a real Durable client (the in-process backend) and a real run.</summary>
[Collection(TestCollections.Azurite)]
public sealed class GetRetrainingStatusTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Run_FinishedRun_ReportsStatusProgressAndOutcome()
    {
        // Arrange: a run that stops at the snapshot (empty store).
        await using RetrainingTestEnvironment env = new(azurite);
        RetrainingHost host = await env.StartHostAsync();
        InProcessRetrainingRun run = await RetrainingTestEnvironment.RunAsync(host, RetrainingTestEnvironment.TinySettings());
        GetRetrainingStatus function = new(NullLogger<GetRetrainingStatus>.Instance);

        // Act
        IActionResult result = await function.Run(new DefaultHttpContext().Request, run.InstanceId, host.Client, CancellationToken.None);

        // Assert
        JsonResponse response = Assert.IsType<JsonResponse>(result);
        RetrainingStatusResponse status = Assert.IsType<RetrainingStatusResponse>(response.Value);
        Assert.Equal(RetrainingOrchestrator.SingletonInstanceId, status.InstanceId);
        Assert.Equal("Completed", status.RuntimeStatus);
        Assert.Equal(RetrainingStages.Done, status.Progress?.Stage);
        Assert.Equal(RetrainingStatus.Stopped, status.Outcome?.Status);
        Assert.Equal(run.Outcome?.RunId, status.Progress?.RunId);
    }

    [Fact]
    public async Task Run_UnknownInstance_Answers404()
    {
        // Arrange
        await using RetrainingTestEnvironment env = new(azurite);
        RetrainingHost host = await env.StartHostAsync();
        GetRetrainingStatus function = new(NullLogger<GetRetrainingStatus>.Instance);

        // Act
        IActionResult result = await function.Run(new DefaultHttpContext().Request, "no-such-run", host.Client, CancellationToken.None);

        // Assert
        Assert.Equal(StatusCodes.Status404NotFound, Assert.IsType<JsonResponse>(result).StatusCode);
    }
}
