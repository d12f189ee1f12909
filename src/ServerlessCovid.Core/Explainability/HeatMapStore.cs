using System.Diagnostics;
using Azure;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Observability;
using ServerlessCovid.Core.Storage;

namespace ServerlessCovid.Core.Explainability;

/// <summary>
/// The heat-map container (<c>Storage:HeatMapsContainer</c>): one overlay PNG per scored result whose model has a
/// <c>cam</c> output, at <c>{hospital}/{resultId}.png</c> beside the result row, overwritten when the same image is
/// scored again. The row is the source of truth: a heat map is served only while its row links it.
/// </summary>
public sealed partial class HeatMapStore
{
    private readonly RecreatingContainer _container;
    private readonly TriageResultStore _results;
    private readonly XrayPreprocessor _preprocessor;
    private readonly ILogger<HeatMapStore> _logger;

    public HeatMapStore(
        BlobServiceClient blobs, IOptions<StorageOptions> storage, TriageResultStore results, XrayPreprocessor preprocessor, ILogger<HeatMapStore> logger)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(storage);
        _container = new RecreatingContainer(blobs.GetBlobContainerClient(storage.Value.HeatMapsContainer));
        _results = results;
        _preprocessor = preprocessor;
        _logger = logger;
    }

    public static string BlobName(string hospital, string resultId) => $"{hospital}/{resultId}.png";

    /// <summary>
    /// Renders and uploads the overlay of <paramref name="image"/> and returns <paramref name="scored"/> with its
    /// link and grid. A map that cannot be drawn (non-finite values from a broken graph) leaves the result without a
    /// heat map and logs why; it never fails the scoring itself.
    /// </summary>
    /// <param name="scored">The result the heat map belongs to.</param>
    /// <param name="image">The image's bytes, decoded again only when <paramref name="inputGrey"/> is null.</param>
    /// <param name="map">The positive class's activation map.</param>
    /// <param name="inputGrey">The grey plane the model saw (<see cref="TriagePrediction.InputGrey"/>), when scoring kept it.</param>
    /// <param name="cancellationToken">Cancels rendering and the upload.</param>
    public async Task<TriageResult> SaveAsync(
        TriageResult scored, ReadOnlyMemory<byte> image, ActivationMap map, float[]? inputGrey = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scored);
        ArgumentNullException.ThrowIfNull(map);
        byte[] png;
        try
        {
            using Activity? render = TriageActivities.Start(TriageActivities.HeatMapRender);
            png = inputGrey is null
                ? HeatMapOverlay.Render(image.Span, map, _preprocessor, cancellationToken)
                : HeatMapOverlay.RenderGrey(inputGrey, map);
        }
        catch (Exception ex) when (ex is ArgumentException or ImageRejectedException)
        {
            LogNotRendered(_logger, ex, scored.Hospital, scored.Id);
            return scored;
        }

        string blobName = BlobName(scored.Hospital, scored.Id);
        await _container.UploadAsync(blobName, new BinaryData(png), cancellationToken).ConfigureAwait(false);
        string json = ActivationMapJson.Serialize(map);
        if (json.Length > ActivationMapJson.MaxTableChars)
        {
            LogGridTooLarge(_logger, scored.Hospital, scored.Id, map.Width, map.Height);
        }

        return scored with
        {
            HeatMapBlobName = blobName,
            ActivationMap = json.Length <= ActivationMapJson.MaxTableChars ? map : null,
        };
    }

    /// <summary>The overlay PNG of a hospital's result; null when the result does not exist or has no heat map.</summary>
    public async Task<BinaryData?> GetForResultAsync(string hospital, string resultId, CancellationToken cancellationToken = default)
    {
        TriageResult? result = await _results.GetAsync(hospital, resultId, cancellationToken).ConfigureAwait(false);
        if (result?.HeatMapBlobName is not { } blobName)
        {
            return null;
        }

        try
        {
            return (await _container.Client.GetBlobClient(blobName).DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            LogMissingBlob(_logger, hospital, resultId, blobName);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Result {Hospital}/{ResultId}: the activation map could not be drawn; stored without a heat map")]
    private static partial void LogNotRendered(ILogger logger, Exception exception, string hospital, string resultId);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Result {Hospital}/{ResultId}: the {Width}x{Height} activation grid is too large for a table column; the row links the PNG without the grid")]
    private static partial void LogGridTooLarge(ILogger logger, string hospital, string resultId, int width, int height);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Result {Hospital}/{ResultId} links heat map {BlobName}, which is gone from the container")]
    private static partial void LogMissingBlob(ILogger logger, string hospital, string resultId, string blobName);
}
