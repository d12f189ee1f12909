using Microsoft.Extensions.DependencyInjection;
using ServerlessCovid.Retraining.Hosting;
using ServerlessCovid.Retraining.Tests.Support;
using ServerlessCovid.Retraining.Training;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Retraining.Tests.Orchestration;

/// <summary>
/// The CLI demo runs retraining in process; Ctrl+C cancels its token. The training activity must see that
/// cancellation (Durable Task's in-process worker gives activities no token), or the run goes on until the process is
/// killed. The bound is a hang guard, not a speed claim.
/// </summary>
[Collection(TestCollections.Azurite)]
public sealed class InProcessCancellationTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task RunInProcess_CallerCancelsMidTraining_TrainingActivityObservesCancellationAndRunEnds()
    {
        // Arrange
        await using RetrainingTestEnvironment env = new(azurite);
        await env.UploadLabelledAsync(covid: RetrainingTestEnvironment.PublishablePerClass, normal: RetrainingTestEnvironment.PublishablePerClass);
        BlockingTrainer trainer = new();
        using CancellationTokenSource caller = new();
        Task<InProcessRetrainingRun> run = RetrainingHost.RunInProcessAsync(
            new InProcessRetrainingOptions
            {
                Configuration = env.Configuration,
                ConfigureServices = services => services.AddSingleton<IChallengerTrainer>(trainer),
            },
            RetrainingTestEnvironment.TinySettings(),
            progress: null,
            caller.Token);
        await trainer.Started.WaitAsync(HangGuard);

        // Act
        await caller.CancelAsync();

        // Assert
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(HangGuard));
        await trainer.Cancelled.WaitAsync(HangGuard);
    }
}
