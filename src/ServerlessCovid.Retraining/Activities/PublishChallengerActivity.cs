using Microsoft.Extensions.Logging;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Retraining.Orchestration;

namespace ServerlessCovid.Retraining.Activities;

/// <summary>
/// Publishes the candidate package with its report and dataset manifest, switching <c>current.json</c> only if it
/// still has the ETag the comparison saw. A conflict means someone else changed the model meanwhile: the comparison
/// is stale, so the run fails for good rather than overwrite their choice.
/// </summary>
public sealed partial class PublishChallengerActivity(
    IModelRegistry registry,
    RetrainingWorkspace workspace,
    ILogger<PublishChallengerActivity> logger) : RetrainingActivity<PublishInput, PublishResult>
{
    public override async Task<PublishResult> ExecuteAsync(PublishInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);

        // A retried attempt whose first try did switch current.json (and then lost its reply) is already done.
        CurrentModelPointer? current = await registry.GetCurrentAsync(cancellationToken).ConfigureAwait(false);
        if (current is not null && current.Version == input.CandidateVersion)
        {
            return new PublishResult(current.Version, current.SwitchedUtc);
        }

        string candidate = RetrainingWorkspace.ResetDirectory(workspace.LocalRunDirectory(input.RunId, "publish-package"));
        await workspace.DownloadPrefixAsync(RetrainingWorkspace.CandidatePrefix(input.RunId), candidate, cancellationToken).ConfigureAwait(false);
        ModelPackage package = ModelPackage.LoadFromDirectory(candidate);

        string artifacts = RetrainingWorkspace.ResetDirectory(workspace.LocalRunDirectory(input.RunId, "publish-artifacts"));
        await workspace.DownloadPrefixAsync(RetrainingWorkspace.ReportPrefix(input.RunId), artifacts, cancellationToken).ConfigureAwait(false);
        await workspace.DownloadPrefixAsync($"datasets/{input.RunId}/", Path.Combine(artifacts, "dataset"), cancellationToken).ConfigureAwait(false);

        try
        {
            CurrentModelPointer pointer = await registry.PublishAsync(package, artifacts, input.ExpectedCurrentETag, cancellationToken)
                .ConfigureAwait(false);
            LogPublished(logger, input.RunId, pointer.Version);
            return new PublishResult(pointer.Version, pointer.SwitchedUtc);
        }
        catch (ModelRegistryConflictException ex)
        {
            throw new PermanentRetrainingException(
                $"Run {input.RunId}: current.json changed after the champion was scored; not publishing {input.CandidateVersion} "
                + "over a model this run never compared with. The next run will compare against the new champion.", ex);
        }
        catch (ModelNotServableException ex)
        {
            throw new PermanentRetrainingException($"Run {input.RunId}: not publishing {input.CandidateVersion}: {ex.Message}", ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId}: published model {Version} as current")]
    private static partial void LogPublished(ILogger logger, string runId, string version);
}
