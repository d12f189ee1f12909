using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Core.Triage;

namespace ServerlessCovid.Functions.Http;

/// <summary>
/// <c>GET /api/model</c>: the published current model (what <c>current.json</c> points at), its manifest and
/// headline validation metrics, the version this instance is serving right now (it catches up within the refresh
/// interval), and a link to the evaluation report. 404 <c>no_model_published</c> before the first publish; 503
/// <c>model_unavailable</c> when <c>current.json</c> is malformed, or the manifest of the version it names is
/// missing or malformed (serving cannot follow it either).
/// </summary>
public sealed class GetModel(BlobModelRegistry registry, IXrayClassifier classifier, IOptions<TriageOptions> options)
{
    [Function(nameof(GetModel))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "model")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        CurrentModelPointer? current;
        try
        {
            current = await registry.GetCurrentAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidModelPackageException ex)
        {
            // Not the caller's fault and not a crash: an operator must fix current.json (e.g. roll back), then it answers again.
            return Problems.ServiceUnavailable(ApiErrorCodes.ModelUnavailable, ex.Message, options.Value.RetryAfterSeconds);
        }

        if (current is null)
        {
            return Problems.Create(StatusCodes.Status404NotFound, ApiErrorCodes.NoModelPublished,
                "No model has been published yet; triage answers 503 until one is.");
        }

        ModelManifest? manifest;
        BinaryData? report;
        try
        {
            manifest = await registry.TryReadManifestAsync(current.Version, cancellationToken).ConfigureAwait(false);
            report = await registry.DownloadArtifactAsync(current.Version, GetModelFile.ReportFileName, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (InvalidModelPackageException ex)
        {
            // Malformed manifest (or an artifact over the size cap): serving cannot load this version either.
            return Problems.ServiceUnavailable(ApiErrorCodes.ModelUnavailable, ex.Message, options.Value.RetryAfterSeconds);
        }

        if (manifest is null)
        {
            return Problems.ServiceUnavailable(
                ApiErrorCodes.ModelUnavailable,
                $"current.json names model {current.Version}, but its {ModelManifest.FileName} is missing; roll back to a published "
                + "version or publish again.",
                options.Value.RetryAfterSeconds);
        }

        return new JsonResponse(new ModelResponse(
            current.Version,
            current.OnnxSha256,
            current.SwitchedUtc,
            current.Reason,
            classifier.CurrentModel?.Version,
            manifest.Evaluation,
            report is null ? null : GetModelFile.Link(current.Version, GetModelFile.ReportFileName),
            manifest,
            Disclaimers.ResearchOnly));
    }
}

public sealed record ModelResponse(
    string Version,
    string OnnxSha256,
    DateTimeOffset SwitchedUtc,
    string Reason,
    string? ServingVersion,
    ModelEvaluationSummary? Metrics,
    string? ReportUrl,
    ModelManifest? Manifest,
    string Disclaimer);
