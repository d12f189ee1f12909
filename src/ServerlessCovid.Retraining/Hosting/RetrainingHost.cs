using System.Diagnostics;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerlessCovid.Retraining.Activities;
using ServerlessCovid.Retraining.Orchestration;
using ServerlessCovid.Retraining.Runs;

namespace ServerlessCovid.Retraining.Hosting;

/// <summary>How to host the retraining orchestration in process (CLI demo, tests).</summary>
public sealed class InProcessRetrainingOptions
{
    /// <summary>
    /// Settings the services read: the storage connection named by <c>Storage:Connection</c> (default
    /// <c>AzureWebJobsStorage</c>), and the optional <c>Storage</c>, <c>Retraining</c>, <c>Inference</c> sections.
    /// </summary>
    public required IConfiguration Configuration { get; init; }

    /// <summary>
    /// Registers every service the activities need. The default is what the Functions app registers
    /// (Core, storage/registry, retraining); replace it only to add to it (e.g. tests decorating the trainer).
    /// </summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    public ILoggerFactory? LoggerFactory { get; init; }
}

/// <summary>A finished in-process run: the orchestration's outcome and the run record it left.</summary>
public sealed record InProcessRetrainingRun(
    string InstanceId,
    OrchestrationRuntimeStatus RuntimeStatus,
    RetrainingOutcome? Outcome,
    string? Failure,
    RetrainingRunRecord? Record,
    TimeSpan Wall);

/// <summary>
/// Runs the retraining orchestration on Durable Task's in-process backend (<see cref="DurableTaskTestHost"/>) with
/// the same orchestrator and activity classes the Functions app runs, against real storage. The CLI demo calls
/// <see cref="RunInProcessAsync"/>; tests that need to hold a host open use <see cref="StartAsync"/>.
/// </summary>
public sealed class RetrainingHost : IAsyncDisposable
{
    private readonly DurableTaskTestHost _host;

    private RetrainingHost(DurableTaskTestHost host) => _host = host;

    public DurableTaskClient Client => _host.Client;

    public IServiceProvider Services => _host.Services;

    /// <summary>Registers the orchestrator and activities (class-based) with a Durable Task worker.</summary>
    public static void RegisterTasks(DurableTaskRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.AddOrchestrator<RetrainingOrchestrator>();
        registry.AddActivity<SnapshotDatasetActivity>();
        registry.AddActivity<SplitDatasetActivity>();
        registry.AddActivity<ResolveInitialWeightsActivity>();
        registry.AddActivity<TrainChunkActivity>();
        registry.AddActivity<ExportChallengerActivity>();
        registry.AddActivity<EvaluateChallengerActivity>();
        registry.AddActivity<ScoreChampionActivity>();
        registry.AddActivity<PublishChallengerActivity>();
        registry.AddActivity<RecordRunActivity>();
    }

    /// <summary>The services the Functions app registers for retraining, on top of <paramref name="configuration"/>.</summary>
    public static void AddDefaultServices(IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton(configuration);
        services.AddLogging();
        services.AddRetrainingHostServices();
    }

    public static async Task<RetrainingHost> StartAsync(InProcessRetrainingOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        DurableTaskTestHost host = await DurableTaskTestHost.StartAsync(
            RegisterTasks,
            new DurableTaskTestHostOptions
            {
                LoggerFactory = options.LoggerFactory,
                ConfigureServices = services =>
                {
                    AddDefaultServices(services, options.Configuration);
                    services.AddSingleton<InProcessActivityCancellation>();
                    options.ConfigureServices?.Invoke(services);
                },
            },
            cancellationToken).ConfigureAwait(false);
        return new RetrainingHost(host);
    }

    /// <summary>Starts a run under the fixed instance id (skipped while one is pending or running).</summary>
    public Task<RetrainingStartResult> StartRunAsync(string trigger, RetrainingSettings? settings = null, CancellationToken cancellationToken = default) =>
        Services.GetRequiredService<RetrainingStarter>().StartAsync(Client, trigger, settings, cancellationToken);

    /// <summary>Waits for <paramref name="instanceId"/> to finish, reporting each new progress value.</summary>
    public async Task<InProcessRetrainingRun> WaitAsync(
        string instanceId, IProgress<RetrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Stopwatch stopwatch = Stopwatch.StartNew();
        string? lastStatus = null;
        RetrainingProgress? lastProgress = null;
        OrchestrationMetadata? instance;
        while (true)
        {
            instance = await Client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken).ConfigureAwait(false);
            if (instance?.SerializedCustomStatus is { } status && status != lastStatus)
            {
                lastStatus = status;
                lastProgress = instance.ReadCustomStatusAs<RetrainingProgress>();
                if (lastProgress is not null)
                {
                    progress?.Report(lastProgress);
                }
            }

            if (instance is null || instance.IsCompleted)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
        }

        RetrainingOutcome? outcome = instance?.SerializedOutput is not null && instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed
            ? instance.ReadOutputAs<RetrainingOutcome>()
            : null;
        // A failed orchestration returns no outcome, but its last progress names the run.
        string? runId = outcome?.RunId ?? lastProgress?.RunId;
        RetrainingRunRecord? record = runId is null
            ? null
            : await Services.GetRequiredService<RetrainingRunStore>().GetAsync(runId, cancellationToken).ConfigureAwait(false);

        return new InProcessRetrainingRun(
            instanceId,
            instance?.RuntimeStatus ?? OrchestrationRuntimeStatus.Terminated,
            outcome,
            instance?.FailureDetails?.ErrorMessage,
            record,
            stopwatch.Elapsed);
    }

    /// <summary>
    /// The CLI demo's entry point: hosts the orchestration in process, runs it once to the end and returns what it did.
    /// </summary>
    public static async Task<InProcessRetrainingRun> RunInProcessAsync(
        InProcessRetrainingOptions options,
        RetrainingSettings? settings = null,
        IProgress<RetrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        RetrainingHost host = await StartAsync(options, cancellationToken).ConfigureAwait(false);
        await using (host.ConfigureAwait(false))
        {
            RetrainingStartResult started = await host.StartRunAsync("demo", settings, cancellationToken).ConfigureAwait(false);
            return await host.WaitAsync(started.InstanceId, progress, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Stops running activities at their next cancellation check first: the worker waits for them, and a training
    /// activity would otherwise run to its chunk's end (the hang a cancelled demo had).
    /// </summary>
    public ValueTask DisposeAsync()
    {
        Services.GetRequiredService<InProcessActivityCancellation>().Cancel();
        return _host.DisposeAsync();
    }
}
