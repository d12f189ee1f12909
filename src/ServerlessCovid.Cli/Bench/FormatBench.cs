using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Cli.Bench;

/// <summary>One format's row: decode + preprocess (wall time of <c>LoadTensor</c>) beside a bare <c>Run</c>.</summary>
/// <param name="Name">The input, e.g. "2048x2500 16-bit grey PNG".</param>
/// <param name="Bytes">Size of the file.</param>
/// <param name="DecodeAndPreprocessMs">Median wall time of the current path.</param>
/// <param name="ImageSharpMs">Median of ImageSharp's own decode of the same bytes where a fast path replaces it, else null.</param>
/// <param name="BareRunMs">Median bare <c>session.Run</c> at batch 1, interleaved with the decodes.</param>
internal sealed record FormatRow(string Name, long Bytes, double DecodeAndPreprocessMs, double? ImageSharpMs, double BareRunMs)
{
    public double OverBareRun => DecodeAndPreprocessMs / BareRunMs;

    public double? OverImageSharp => ImageSharpMs is { } old ? DecodeAndPreprocessMs / old : null;
}

/// <summary>
/// Times realistic-size inputs per format (<see cref="RealisticInputs"/>). Every repeat runs the current path, the
/// ImageSharp path it replaced (16-bit PNG through ImageSharp's decoder, grey JPEG through its <c>L8</c>
/// conversion) and a bare <c>Run</c> back to back, so a shared machine's load hits all three alike; medians are reported.
/// The content hash is supplied, as the triage service supplies the hash it keyed the result with, so the rows time
/// decoding and preprocessing only.
/// </summary>
internal static class FormatBench
{
    private static readonly XrayPreprocessor ImageSharpPng = new(new ImageInputOptions(), pngFastPath: false);
    private static readonly XrayPreprocessor ImageSharpL8Jpeg = new(new ImageInputOptions(), pngFastPath: true, greyJpegAsRgb: false);

    public static IReadOnlyList<FormatRow> Measure(IReadOnlyList<BenchInput> inputs, Func<double> bareRun, int repeats, CancellationToken cancellationToken)
    {
        float[] tensor = new float[Preprocessing.ValuesPerImage];
        List<FormatRow> rows = [];
        foreach (BenchInput input in inputs)
        {
            XrayPreprocessor? old = input.Kind switch
            {
                BenchInputKind.Png16 => ImageSharpPng,
                BenchInputKind.GreyJpeg => ImageSharpL8Jpeg,
                _ => null,
            };

            // Warm-up: JIT, pools and the first allocation of each buffer size.
            string sha256 = Convert.ToHexStringLower(SHA256.HashData(input.Bytes));
            XrayPreprocessor.Default.LoadTensor(input.Bytes, tensor, sha256, cancellationToken);
            old?.LoadTensor(input.Bytes, tensor, sha256, cancellationToken);
            List<double> current = [], replaced = [], runs = [];
            for (int i = 0; i < repeats; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                current.Add(Time(XrayPreprocessor.Default, input.Bytes, sha256, tensor));
                if (old is not null)
                {
                    replaced.Add(Time(old, input.Bytes, sha256, tensor));
                }

                runs.Add(bareRun());
            }

            rows.Add(new FormatRow(input.Name, input.Bytes.Length, Median(current), old is null ? null : Median(replaced), Median(runs)));
        }

        return rows;
    }

    public static void Print(TextWriter output, IReadOnlyList<FormatRow> rows, int repeats)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"realistic sizes (hash supplied), medians of {repeats} (ms) file MiB  decode+prep  ImageSharp  new/old  bare Run  decode+prep/Run"));
        foreach (FormatRow row in rows)
        {
            string old = row.ImageSharpMs is { } ms ? ms.ToString("F1", c).PadLeft(10) : "         -";
            string ratio = row.OverImageSharp is { } r ? r.ToString("F2", c).PadLeft(7) : "      -";
            output.WriteLine(string.Create(c, $"  {row.Name,-38}{row.Bytes / (1024.0 * 1024),8:F2} {row.DecodeAndPreprocessMs,12:F1} {old}  {ratio} {row.BareRunMs,9:F1} {row.OverBareRun,16:F2}"));
        }
    }

    private static double Time(XrayPreprocessor preprocessor, byte[] bytes, string sha256, float[] tensor)
    {
        long started = Stopwatch.GetTimestamp();
        preprocessor.LoadTensor(bytes, tensor, sha256);
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    private static double Median(List<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
