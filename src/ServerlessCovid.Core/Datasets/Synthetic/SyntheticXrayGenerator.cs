using System.Globalization;
using ServerlessCovid.Core.Models;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Core.Datasets.Synthetic;

/// <summary>One rendered synthetic radiograph: 8-bit grayscale pixels, row-major.</summary>
public sealed record SyntheticXray(SyntheticXrayParameters Parameters, string PatientId, byte[] Pixels)
{
    public int Width => Parameters.Width;

    public int Height => Parameters.Height;

    public byte[] EncodePng()
    {
        using Image<L8> image = Image.LoadPixelData<L8>(Pixels, Width, Height);
        using MemoryStream stream = new();
        image.SaveAsPng(stream, PngEncoderFor8BitGray);
        return stream.ToArray();
    }

    internal static PngEncoder PngEncoderFor8BitGray { get; } = new()
    {
        ColorType = PngColorType.Grayscale,
        BitDepth = PngBitDepth.Bit8,
    };
}

/// <summary>What <see cref="SyntheticXrayGenerator.WriteDataset"/> wrote.</summary>
public sealed record SyntheticDatasetResult(string Directory, IReadOnlyList<DatasetManifestEntry> Entries, TimeSpan Elapsed)
{
    public int Count(string label) => Entries.Count(e => e.Label == label);
}

/// <summary>
/// Synthetic frontal chest radiographs for demos and tests: deterministic per (seed, index), with no global state.
/// Image i is COVID when i is odd, so any count is balanced to within one image; anatomy and acquisition of image i
/// do not depend on its label (see <see cref="SyntheticXrayParameters"/>). Synthetic images prove that the pipeline
/// works; they say nothing about clinical accuracy.
/// </summary>
public static class SyntheticXrayGenerator
{
    public const string Source = "synthetic";

    public const int MinimumSize = 32;

    public const int MaximumSize = 2048;

    public static string LabelOf(int index) => index % 2 == 1 ? ClassNames.Covid : ClassNames.Normal;

    public static SyntheticXray Generate(int seed, int index, int size = 512) => Generate(seed, index, size, LabelOf(index));

    /// <summary>Renders image <paramref name="index"/> of the dataset <paramref name="seed"/> with a forced label.</summary>
    public static SyntheticXray Generate(int seed, int index, int size, string label)
    {
        if (size is < MinimumSize or > MaximumSize)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, $"Size must be between {MinimumSize} and {MaximumSize} pixels.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(index);
        DeterministicRandom rng = DeterministicRandom.ForImage(seed, index);
        SyntheticXrayParameters parameters = SyntheticXrayParameters.Sample(ref rng, label, size);
        DeterministicRandom renderRng = DeterministicRandom.ForImage(seed, index, stream: 1);
        float[] image = XrayRenderer.Render(parameters, ref renderRng);
        byte[] pixels = new byte[image.Length];
        for (int i = 0; i < image.Length; i++)
        {
            pixels[i] = (byte)Math.Clamp((int)MathF.Round(image[i] * 255f), 0, 255);
        }

        return new SyntheticXray(parameters, PatientId(seed, index), pixels);
    }

    public static string PatientId(int seed, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"syn-{(uint)seed:x8}-{index:D5}");

    /// <summary>Writes <c>normal/</c>, <c>covid/</c> and <c>manifest.csv</c> into <paramref name="directory"/>.</summary>
    public static SyntheticDatasetResult WriteDataset(
        string directory, int count, int seed, int size = 512, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (size is < MinimumSize or > MaximumSize)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, $"Size must be between {MinimumSize} and {MaximumSize} pixels.");
        }

        System.Diagnostics.Stopwatch watch = System.Diagnostics.Stopwatch.StartNew();
        Directory.CreateDirectory(Path.Combine(directory, ClassNames.Normal));
        Directory.CreateDirectory(Path.Combine(directory, ClassNames.Covid));
        DatasetManifestEntry[] entries = new DatasetManifestEntry[count];
        Parallel.For(0, count, new ParallelOptions { CancellationToken = cancellationToken }, index =>
        {
            SyntheticXray xray = Generate(seed, index, size);
            string label = xray.Parameters.Label;
            string file = $"{label}/{xray.PatientId}.png";
            File.WriteAllBytes(Path.Combine(directory, label, $"{xray.PatientId}.png"), xray.EncodePng());
            entries[index] = new DatasetManifestEntry(file, label, Source, xray.PatientId, string.Empty, xray.Parameters.ToManifestString());
        });
        DatasetManifest.Write(directory, entries);
        return new SyntheticDatasetResult(directory, entries, watch.Elapsed);
    }
}
