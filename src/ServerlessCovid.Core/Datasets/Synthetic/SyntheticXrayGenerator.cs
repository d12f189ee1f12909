using System.Globalization;
using ServerlessCovid.Core.Models;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Core.Datasets.Synthetic;

/// <summary>
/// One rendered synthetic radiograph: 8-bit grayscale pixels, row-major, with the ground truth of where its lungs
/// and (for COVID images) its opacities are, as 0/255 masks of the same size taken from the renderer's own geometry.
/// </summary>
public sealed record SyntheticXray(SyntheticXrayParameters Parameters, string PatientId, byte[] Pixels)
{
    public int Width => Parameters.Width;

    public int Height => Parameters.Height;

    /// <summary>The lung fields (255 inside); empty when the image was built without geometry.</summary>
    public byte[] LungMask { get; init; } = [];

    /// <summary>The opacities (255 inside, always within <see cref="LungMask"/>); null for a normal image.</summary>
    public byte[]? LesionMask { get; init; }

    public byte[] EncodePng() => EncodeGray(Pixels);

    /// <summary>A mask as an 8-bit grayscale PNG of the image's size.</summary>
    public byte[] EncodeMaskPng(byte[] mask) => EncodeGray(mask);

    private byte[] EncodeGray(byte[] pixels)
    {
        using Image<L8> image = Image.LoadPixelData<L8>(pixels, Width, Height);
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

    /// <summary>
    /// Renders image <paramref name="index"/> of the dataset <paramref name="seed"/> with a forced label; with
    /// <paramref name="unilateral"/>, a COVID image's findings all lie in one lung (the lung-level pointing game's probe).
    /// </summary>
    public static SyntheticXray Generate(int seed, int index, int size, string label, bool unilateral = false)
    {
        if (size is < MinimumSize or > MaximumSize)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, $"Size must be between {MinimumSize} and {MaximumSize} pixels.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(index);
        DeterministicRandom rng = DeterministicRandom.ForImage(seed, index);
        SyntheticXrayParameters parameters = SyntheticXrayParameters.Sample(ref rng, label, size, unilateral);
        DeterministicRandom renderRng = DeterministicRandom.ForImage(seed, index, stream: 1);
        float[] image = XrayRenderer.Render(parameters, ref renderRng, out RenderedGeometry geometry);
        byte[] pixels = new byte[image.Length];
        for (int i = 0; i < image.Length; i++)
        {
            pixels[i] = (byte)Math.Clamp((int)MathF.Round(image[i] * 255f), 0, 255);
        }

        return new SyntheticXray(parameters, PatientId(seed, index), pixels)
        {
            LungMask = geometry.LungMask(parameters.Width, parameters.Height),
            LesionMask = label == ClassNames.Covid ? geometry.LesionMask(parameters.Width, parameters.Height) : null,
        };
    }

    public static string PatientId(int seed, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"syn-{(uint)seed:x8}-{index:D5}");

    /// <summary>
    /// Folder of the masks, beside the class folders: hidden (leading dot) so that every reader of class folders
    /// (training, <c>covid evaluate</c>, <c>covid labels import</c>) skips it as it skips other dot folders.
    /// </summary>
    public const string MaskFolder = ".masks";

    /// <summary>
    /// Writes <c>normal/</c>, <c>covid/</c>, the masks (<c>.masks/lung/</c> for every image, <c>.masks/lesion/</c> for
    /// COVID images) and <c>manifest.csv</c>, whose <c>lung_mask</c> and <c>lesion_mask</c> columns name them.
    /// With <paramref name="unilateral"/>, every COVID image has its findings in one lung (see <see cref="Generate(int, int, int, string, bool)"/>).
    /// </summary>
    public static SyntheticDatasetResult WriteDataset(
        string directory, int count, int seed, int size = 512, bool unilateral = false, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (size is < MinimumSize or > MaximumSize)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, $"Size must be between {MinimumSize} and {MaximumSize} pixels.");
        }

        System.Diagnostics.Stopwatch watch = System.Diagnostics.Stopwatch.StartNew();
        Directory.CreateDirectory(Path.Combine(directory, ClassNames.Normal));
        Directory.CreateDirectory(Path.Combine(directory, ClassNames.Covid));
        Directory.CreateDirectory(Path.Combine(directory, MaskFolder, "lung"));
        Directory.CreateDirectory(Path.Combine(directory, MaskFolder, "lesion"));
        DatasetManifestEntry[] entries = new DatasetManifestEntry[count];
        Parallel.For(0, count, new ParallelOptions { CancellationToken = cancellationToken }, index =>
        {
            SyntheticXray xray = Generate(seed, index, size, LabelOf(index), unilateral);
            string label = xray.Parameters.Label;
            string file = $"{label}/{xray.PatientId}.png";
            File.WriteAllBytes(Path.Combine(directory, label, $"{xray.PatientId}.png"), xray.EncodePng());
            string lungMask = $"{MaskFolder}/lung/{xray.PatientId}.png";
            File.WriteAllBytes(Path.Combine(directory, lungMask), xray.EncodeMaskPng(xray.LungMask));
            string lesionMask = string.Empty;
            if (xray.LesionMask is byte[] lesion)
            {
                lesionMask = $"{MaskFolder}/lesion/{xray.PatientId}.png";
                File.WriteAllBytes(Path.Combine(directory, lesionMask), xray.EncodeMaskPng(lesion));
            }

            entries[index] = new DatasetManifestEntry(
                file, label, Source, xray.PatientId, string.Empty, xray.Parameters.ToManifestString(), lesionMask, lungMask);
        });
        DatasetManifest.Write(directory, entries);
        return new SyntheticDatasetResult(directory, entries, watch.Elapsed);
    }
}
