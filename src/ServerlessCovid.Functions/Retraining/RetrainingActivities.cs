using Microsoft.Azure.Functions.Worker;
using ServerlessCovid.Retraining.Activities;
using ServerlessCovid.Retraining.Orchestration;
using ServerlessCovid.Retraining.Runs;

namespace ServerlessCovid.Functions.Retraining;

/// <summary>
/// Activity functions named exactly as the orchestrator calls them (<c>nameof</c> of the shared activity classes);
/// each only forwards to the shared activity with the invocation's cancellation token.
/// </summary>
public sealed class RetrainingActivities(
    SnapshotDatasetActivity snapshot,
    SplitDatasetActivity split,
    ResolveInitialWeightsActivity initialWeights,
    TrainChunkActivity train,
    ExportChallengerActivity export,
    EvaluateChallengerActivity evaluate,
    ScoreChampionActivity champion,
    PublishChallengerActivity publish,
    RecordRunActivity record)
{
    [Function(nameof(SnapshotDatasetActivity))]
    public Task<SnapshotResult> SnapshotAsync([ActivityTrigger] SnapshotInput input, FunctionContext context) =>
        snapshot.ExecuteAsync(input, Token(context));

    [Function(nameof(SplitDatasetActivity))]
    public Task<SplitResult> SplitAsync([ActivityTrigger] SplitInput input, FunctionContext context) =>
        split.ExecuteAsync(input, Token(context));

    [Function(nameof(ResolveInitialWeightsActivity))]
    public Task<InitialWeightsChoice> ResolveInitialWeightsAsync([ActivityTrigger] InitialWeightsInput input, FunctionContext context) =>
        initialWeights.ExecuteAsync(input, Token(context));

    [Function(nameof(TrainChunkActivity))]
    public Task<TrainChunkResult> TrainAsync([ActivityTrigger] TrainChunkInput input, FunctionContext context) =>
        train.ExecuteAsync(input, Token(context));

    [Function(nameof(ExportChallengerActivity))]
    public Task<ExportResult> ExportAsync([ActivityTrigger] ExportInput input, FunctionContext context) =>
        export.ExecuteAsync(input, Token(context));

    [Function(nameof(EvaluateChallengerActivity))]
    public Task<ModelScore> EvaluateAsync([ActivityTrigger] EvaluateInput input, FunctionContext context) =>
        evaluate.ExecuteAsync(input, Token(context));

    [Function(nameof(ScoreChampionActivity))]
    public Task<ChampionResult> ScoreChampionAsync([ActivityTrigger] ChampionInput input, FunctionContext context) =>
        champion.ExecuteAsync(input, Token(context));

    [Function(nameof(PublishChallengerActivity))]
    public Task<PublishResult> PublishAsync([ActivityTrigger] PublishInput input, FunctionContext context) =>
        publish.ExecuteAsync(input, Token(context));

    [Function(nameof(RecordRunActivity))]
    public Task<bool> RecordRunAsync([ActivityTrigger] RetrainingRunRecord input, FunctionContext context) =>
        record.ExecuteAsync(input, Token(context));

    private static CancellationToken Token(FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.CancellationToken;
    }
}
