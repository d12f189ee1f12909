using Microsoft.Extensions.Logging;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Retraining.Orchestration;
using ServerlessCovid.Retraining.Training;
using ServerlessCovid.Training.Training;

namespace ServerlessCovid.Retraining.Activities;

/// <summary>
/// Decides, once at the start of a run, which weights it trains from: the champion's when warm start is on, the
/// champion's package carries weights and its architecture is the preset's; random weights otherwise, saying why.
/// A warm start copies the champion's weights into the run's own folder, so a rollback or a new publish while the
/// run trains cannot change what it started from.
/// </summary>
public sealed partial class ResolveInitialWeightsActivity(
    IModelRegistry registry,
    RetrainingWorkspace workspace,
    ILogger<ResolveInitialWeightsActivity> logger) : RetrainingActivity<InitialWeightsInput, InitialWeightsChoice>
{
    public override async Task<InitialWeightsChoice> ExecuteAsync(InitialWeightsInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        CurrentModelPointer? current = input.WarmStart ? await registry.GetCurrentAsync(cancellationToken).ConfigureAwait(false) : null;
        ModelManifest? manifest = current is null
            ? null
            : await registry.TryReadManifestAsync(current.Version, cancellationToken).ConfigureAwait(false);
        string? whyNot = WarmStart.WhyNot(input.WarmStart, current?.Version, manifest?.Weights, TrainingPresets.Get(input.Preset).Architecture);
        if (whyNot is not null || current is null || manifest?.Weights is not { } weights)
        {
            return Random(input.RunId, whyNot ?? "no champion");
        }

        byte[] content;
        try
        {
            content = await registry.LoadWeightsAsync(current.Version, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidModelWeightsException ex)
        {
            // Damaged weights must not stop the scheduled run; it trains from scratch and its record says why.
            return Random(input.RunId, $"champion's weights are unusable ({ex.Message})");
        }

        string blob = RetrainingWorkspace.InitialWeightsPrefix(input.RunId) + ModelManifest.WeightsFileName;
        await workspace.UploadBlobAsync(blob, BinaryData.FromBytes(content), cancellationToken).ConfigureAwait(false);
        LogWarmStart(logger, input.RunId, current.Version);
        return InitialWeightsChoice.Champion(current.Version, blob, weights.Sha256);
    }

    private InitialWeightsChoice Random(string runId, string why)
    {
        LogRandomStart(logger, runId, why);
        return InitialWeightsChoice.Random(why);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} starts from the weights of champion {Version}")]
    private static partial void LogWarmStart(ILogger logger, string runId, string version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} starts from random weights: {Reason}")]
    private static partial void LogRandomStart(ILogger logger, string runId, string reason);
}
