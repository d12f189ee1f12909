using System.Diagnostics;
using Azure.Storage.Blobs;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Observability;
using ServerlessCovid.Core.Storage;

namespace ServerlessCovid.Core.Triage;

/// <summary>
/// The triage stages as <see cref="TriageActivities"/> spans: each wrapper does exactly what the call it wraps
/// did, inside a span that carries no blob name, result id or byte of the image.
/// </summary>
public sealed partial class TriageService
{
    private static TriageResult Traced(Activity? activity, TriageResult result)
    {
        if (activity is not null)
        {
            activity.SetTag(TriageActivities.StatusTag, result.Status.ToString().ToLowerInvariant());
            activity.SetTag(TriageActivities.ModelVersionTag, result.ModelVersion);
            if (result.ErrorCode is not null)
            {
                activity.SetTag(TriageActivities.ErrorCodeTag, result.ErrorCode);
            }
        }

        return result;
    }

    private async Task<(byte[]? Content, long Length)> TracedDownloadAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        using Activity? activity = TriageActivities.Start(TriageActivities.Download, ActivityKind.Client);
        return await DownloadAsync(blob, _maxBytes, cancellationToken).ConfigureAwait(false);
    }

    private static string Hash(ReadOnlySpan<byte> content)
    {
        using Activity? activity = TriageActivities.Start(TriageActivities.Hash);
        return ModelPackage.Sha256Hex(content);
    }

    private async Task<TriageResult?> ReadAsync(string hospital, string id, CancellationToken cancellationToken)
    {
        using Activity? activity = TriageActivities.Start(TriageActivities.TableRead, ActivityKind.Client);
        return await _results.GetAsync(hospital, id, cancellationToken).ConfigureAwait(false);
    }

    private Task<TriageResult> WriteAsync(TriageResult result, CancellationToken cancellationToken) =>
        WriteAsync(result, rowSeenAbsent: false, cancellationToken);

    // rowSeenAbsent: this call's own read found no row, so the store may insert without reading it again.
    private async Task<TriageResult> WriteAsync(TriageResult result, bool rowSeenAbsent, CancellationToken cancellationToken)
    {
        using Activity? activity = TriageActivities.Start(TriageActivities.TableWrite, ActivityKind.Client);
        activity?.SetTag(TriageActivities.StatusTag, result.Status.ToString().ToLowerInvariant());
        return await _results.UpsertAsync(result, rowSeenAbsent, cancellationToken).ConfigureAwait(false);
    }

    private async Task<TriageResult> SaveHeatMapAsync(
        TriageResult scored, ReadOnlyMemory<byte> content, ActivationMap map, float[]? inputGrey, CancellationToken cancellationToken)
    {
        using Activity? activity = TriageActivities.Start(TriageActivities.HeatMap, ActivityKind.Client);
        activity?.SetTag(TriageActivities.ModelVersionTag, scored.ModelVersion);
        return await _heatMaps.SaveAsync(scored, content, map, inputGrey, cancellationToken).ConfigureAwait(false);
    }
}
