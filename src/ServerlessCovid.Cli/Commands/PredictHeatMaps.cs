using ServerlessCovid.Core.Explainability;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Inference;

namespace ServerlessCovid.Cli.Commands;

/// <summary>
/// <c>covid predict --heatmaps DIR</c>: one overlay PNG per scored file (<see cref="HeatMapOverlay"/>), named after
/// the file (<c>NAME.heatmap.png</c>, with <c>-2</c>, <c>-3</c>… when two inputs share a name). A model without a
/// <c>cam</c> output writes none and says so once on stderr.
/// </summary>
internal sealed class PredictHeatMaps(string directory, XrayPreprocessor preprocessor)
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    public int Written { get; private set; }

    public int WithoutMap { get; private set; }

    public async Task WriteAsync(string sourcePath, ReadOnlyMemory<byte> image, TriagePrediction prediction, CancellationToken cancellationToken)
    {
        if (prediction.ActivationMap is not { } map)
        {
            WithoutMap++;
            return;
        }

        Directory.CreateDirectory(directory);
        byte[] png = HeatMapOverlay.Render(image.Span, map, preprocessor, cancellationToken);
        string stem = Path.GetFileNameWithoutExtension(sourcePath);
        string name = stem + ".heatmap.png";
        for (int n = 2; !_names.Add(name); n++)
        {
            name = $"{stem}-{n}.heatmap.png";
        }

        await File.WriteAllBytesAsync(Path.Combine(directory, name), png, cancellationToken).ConfigureAwait(false);
        Written++;
    }

    public async Task ReportAsync(TextWriter error, string modelVersion)
    {
        await error.WriteLineAsync($"heat maps: {Written} written to {directory}").ConfigureAwait(false);
        if (WithoutMap > 0)
        {
            await error.WriteLineAsync(
                $"warning: model {modelVersion} has no class activation map output (cam): {WithoutMap} scored file(s) without a heat map.")
                .ConfigureAwait(false);
        }
    }
}
