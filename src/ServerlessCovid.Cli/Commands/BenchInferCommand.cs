using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using ServerlessCovid.Cli.Bench;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Models;
using ServerlessCovid.Training.Onnx;
using ServerlessCovid.Training.Platform;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using TorchSharp;

namespace ServerlessCovid.Cli.Commands;

/// <summary>
/// <c>covid bench infer</c>: per-image decode / preprocess / inference medians and p95s through the real classifier,
/// batch-1 and batched throughput, and end-to-end time over bare <c>InferenceSession.Run</c> on the same input
/// (measured interleaved, so machine load hits both alike). Also times the naive ImageSharp path (decode to RGB,
/// resize) that the single-channel preprocessor replaces.
/// </summary>
public static class BenchInferCommand
{
    public static Command Create()
    {
        Option<DirectoryInfo?> model = new("--model") { Description = "Model package folder (model.onnx + manifest.json). Default: an untrained paper-size NASNet exported now (random weights: timing only)." };
        Option<DirectoryInfo?> images = new("--images") { Description = "Score the images in this folder instead of generated ones." };
        Option<int> count = new("--count") { Description = "Generated images.", DefaultValueFactory = _ => 32 };
        Option<int> size = new("--size") { Description = "Side of the generated 8-bit greyscale PNGs.", DefaultValueFactory = _ => 1024 };
        Option<int> batchSize = new("--batch-size") { Description = "Images per Run for the batched pass.", DefaultValueFactory = _ => 8 };
        Option<ExecutionProviderPreference> provider = new("--provider") { Description = "auto, cuda or cpu.", DefaultValueFactory = _ => ExecutionProviderPreference.Auto };
        Option<int> threads = new("--threads") { Description = "ONNX Runtime intra-op threads (0: its default)." };
        Option<bool> spin = new("--spin") { Description = "Let ONNX Runtime threads busy-wait (Inference:AllowSpinning)." };
        Option<DirectoryInfo?> saveModel = new("--save-model") { Description = "Without --model, also save the exported untrained package here (e.g. for `covid predict` memory checks)." };
        Option<bool> tiny = new("--tiny") { Description = "Without --model, export the tiny network instead (smoke test)." };
        Option<bool> json = new("--json") { Description = "Print machine-readable JSON." };
        Option<bool> formats = new("--formats") { Description = "Also time 2048×2500 inputs per format (16-bit PNG, DICOM uncompressed and JPEG Lossless, grey JPEG) against bare Run and ImageSharp's own decode." };
        Option<int> formatRepeats = new("--format-repeats") { Description = "Decodes per format with --formats (medians are reported).", DefaultValueFactory = _ => 9 };
        Command command = new("infer", "Benchmark decode, preprocessing and ONNX Runtime inference of x-rays on this machine.")
        {
            model, images, count, size, batchSize, provider, threads, spin, tiny, saveModel, json, formats, formatRepeats,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            TextWriter error = parse.InvocationConfiguration.Error;
            int n = parse.GetValue(count);
            int side = parse.GetValue(size);
            int batch = parse.GetValue(batchSize);
            int intraOp = parse.GetValue(threads);
            int repeats = parse.GetValue(formats) ? parse.GetValue(formatRepeats) : 0;
            if (n < 1 || batch is < 1 or > 1024 || side is < 16 or > 8192 || intraOp is < 0 or > 256 || (parse.GetValue(formats) && repeats is < 1 or > 1000))
            {
                await error.WriteLineAsync("--count and --batch-size (≤ 1024) must be at least 1, --size 16..8192, --threads 0..256, --format-repeats 1..1000.").ConfigureAwait(false);
                return CovidCli.UsageError;
            }

            ModelPackage package;
            bool untrained = parse.GetValue(model) is null;
            List<(string Name, byte[] Bytes)> inputs;
            try
            {
                package = untrained ? ExportUntrained(parse.GetValue(tiny)) : ModelPackage.LoadFromDirectory(parse.GetValue(model)!.FullName);
                if (untrained && parse.GetValue(saveModel) is { } saveTo)
                {
                    package.SaveToDirectory(saveTo.FullName);
                }

                inputs = parse.GetValue(images) is { } folder ? ReadImages(folder, error) : Generate(n, side);
            }
            catch (Exception ex) when (ex is InvalidModelPackageException or IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return CovidCli.Failure;
            }

            if (inputs.Count == 0)
            {
                await error.WriteLineAsync("No usable images to score.").ConfigureAwait(false);
                return CovidCli.Failure;
            }

            InferenceOptions options = new()
            {
                ExecutionProvider = parse.GetValue(provider),
                IntraOpThreads = intraOp,
                AllowSpinning = parse.GetValue(spin),
                MaxBatchSize = batch,
            };
            BenchReport report = await Measure(package, untrained, inputs, options, repeats, cancellationToken).ConfigureAwait(false);
            TextWriter output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(report, ManifestJson.Options)).ConfigureAwait(false);
            }
            else
            {
                Print(output, report);
            }

            return CovidCli.Success;
        });
        return command;
    }

    private static async Task<BenchReport> Measure(
        ModelPackage package, bool untrained, List<(string Name, byte[] Bytes)> inputs, InferenceOptions options, int formatRepeats,
        CancellationToken cancellationToken)
    {
        int batchSize = options.MaxBatchSize ?? 1;
        OnnxSessionFactory factory = new(Options.Create(options), NullLogger<OnnxSessionFactory>.Instance);
        using OnnxXrayClassifier classifier = NewClassifier(factory, WithBatchSize(options, 1), package);
        using OnnxXrayClassifier batchedClassifier = NewClassifier(factory, options, package);
        using OnnxSession bare = factory.Create(package.Onnx);
        using BareRunner single = new(bare.Session, package.Manifest, XrayPreprocessor.Default.LoadTensor(inputs[0].Bytes), 1);
        using BareRunner batch = new(bare.Session, package.Manifest, XrayPreprocessor.Default.LoadTensor(inputs[0].Bytes), batchSize);
        ReadOnlyMemory<byte>[] all = [.. inputs.Select(i => (ReadOnlyMemory<byte>)i.Bytes)];

        // Warm-up: first runs allocate arenas (per input shape) and JIT the managed path.
        single.Run();
        batch.Run();
        await classifier.ScoreAsync(inputs[0].Bytes, cancellationToken).ConfigureAwait(false);
        await batchedClassifier.ScoreBatchAsync(all[..Math.Min(all.Length, batchSize)], cancellationToken).ConfigureAwait(false);

        List<double> naive = [.. inputs.Select(i => NaiveDecodeAndResize(i.Bytes))];
        List<double> decode = [], preprocess = [], inference = [], endToEnd = [], bareRuns = [];
        foreach ((string _, byte[] bytes) in inputs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long started = Stopwatch.GetTimestamp();
            TriagePrediction prediction = await classifier.ScoreAsync(bytes, cancellationToken).ConfigureAwait(false);
            endToEnd.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            decode.Add(prediction.Timings.DecodeMs);
            preprocess.Add(prediction.Timings.PreprocessMs);
            inference.Add(prediction.Timings.InferenceMs);
            bareRuns.Add(single.Run());
        }

        double streamMs = await PerImageMs(classifier, all, cancellationToken).ConfigureAwait(false);
        double batchedMs = await PerImageMs(batchedClassifier, all, cancellationToken).ConfigureAwait(false);
        List<double> bareBatches = [.. Enumerable.Range(0, Math.Max(3, inputs.Count / batchSize)).Select(_ => batch.Run())];
        double bareBatchMs = Stat(bareBatches).Median / batchSize;

        IReadOnlyList<FormatRow>? formatRows = formatRepeats > 0
            ? FormatBench.Measure(RealisticInputs.Create(2048, 2500), single.Run, formatRepeats, cancellationToken)
            : null;
        ModelManifest m = package.Manifest;
        Percentiles bareRun = Stat(bareRuns);
        return new BenchReport(
            new BenchModel(m.Version, m.OnnxSha256, classifier.ExecutionProvider ?? "none", untrained, package.Onnx.Length, options.AllowSpinning),
            new BenchImages(inputs.Count, inputs[0].Name, (long)inputs.Average(i => i.Bytes.Length)),
            Stat(decode),
            Stat(preprocess),
            Stat(decode.Zip(preprocess, (d, p) => d + p).ToList()),
            Stat(naive),
            Stat(inference),
            Stat(endToEnd),
            bareRun,
            Stat(endToEnd).Median / bareRun.Median,
            new BenchStream(streamMs, streamMs / bareRun.Median, 1000 / streamMs),
            new BenchBatched(batchSize, batchedMs, 1000 / batchedMs, bareBatchMs),
            1000 * inputs.Count / endToEnd.Sum(),
            Environment.ProcessorCount,
            formatRows,
            formatRepeats,
            Disclaimers.ResearchOnly);
    }

    private static OnnxXrayClassifier NewClassifier(OnnxSessionFactory factory, InferenceOptions options, ModelPackage package)
    {
        OnnxXrayClassifier classifier = new(factory, XrayPreprocessor.Default, Options.Create(options), NullLogger<OnnxXrayClassifier>.Instance);
        classifier.Activate(package);
        return classifier;
    }

    private static InferenceOptions WithBatchSize(InferenceOptions options, int batchSize) => new()
    {
        ExecutionProvider = options.ExecutionProvider,
        CudaDeviceId = options.CudaDeviceId,
        IntraOpThreads = options.IntraOpThreads,
        AllowSpinning = options.AllowSpinning,
        MaxBatchSize = batchSize,
    };

    /// <summary>Wall time per image of one <c>ScoreBatchAsync</c> over all images (decoding overlapped with inference).</summary>
    private static async Task<double> PerImageMs(OnnxXrayClassifier classifier, ReadOnlyMemory<byte>[] images, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        IReadOnlyList<BatchItemResult> results = await classifier.ScoreBatchAsync(images, cancellationToken).ConfigureAwait(false);
        double elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return elapsed / Math.Max(1, results.Count(r => r.Succeeded));
    }

    private static double NaiveDecodeAndResize(byte[] bytes)
    {
        long started = Stopwatch.GetTimestamp();
        using Image<Rgb24> image = Image.Load<Rgb24>(bytes);
        image.Mutate(x => x.Resize(Preprocessing.Size, Preprocessing.Size, KnownResamplers.Triangle));
        float[] tensor = new float[Preprocessing.ValuesPerImage];
        image.ProcessPixelRows(rows =>
        {
            const int Plane = Preprocessing.Size * Preprocessing.Size;
            for (int y = 0; y < rows.Height; y++)
            {
                Span<Rgb24> row = rows.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++)
                {
                    int i = (y * Preprocessing.Size) + x;
                    tensor[i] = row[x].R / 255f;
                    tensor[Plane + i] = row[x].G / 255f;
                    tensor[(2 * Plane) + i] = row[x].B / 255f;
                }
            }
        });
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    internal static ModelPackage ExportUntrained(bool tiny)
    {
        TorchRuntime.EnsureInitialized();
        torch.manual_seed(1);
        NasNetConfig config = tiny ? NasNetConfig.Tiny() : NasNetConfig.Mobile();
        using NasNet network = NasNet.Create(config);
        ModelManifest manifest = new()
        {
            Version = tiny ? "untrained-nasnet-tiny" : "untrained-nasnet-mobile",
            CreatedUtc = DateTimeOffset.UtcNow,
            OnnxSha256 = string.Empty,
            ClassNames = ClassNames.InOutputOrder,
            PreprocessingId = Preprocessing.RgbStretchUnit256,
            OperatingThreshold = 0.5,
            ThresholdMethod = "untrained (timing only)",
        };
        return ModelPackage.Create(manifest, NasNetOnnxExporter.Export(network));
    }

    private static List<(string, byte[])> ReadImages(DirectoryInfo folder, TextWriter error)
    {
        List<(string, byte[])> usable = [];
        float[] scratch = new float[Preprocessing.ValuesPerImage];
        foreach (FileInfo file in folder.EnumerateFiles("*", SearchOption.AllDirectories).OrderBy(f => f.FullName, StringComparer.Ordinal))
        {
            byte[] bytes = File.ReadAllBytes(file.FullName);
            try
            {
                XrayPreprocessor.Default.LoadTensor(bytes, scratch);
                usable.Add((file.Name, bytes));
            }
            catch (ImageRejectedException rejected)
            {
                error.WriteLine($"Skipping {file.Name}: {rejected.Code}: {rejected.Reason}");
            }
        }

        return usable;
    }

    /// <summary>
    /// X-ray-like 8-bit greyscale PNGs: a bright body, darker lung fields, rib bands and a little noise, so PNG
    /// compression (and therefore decode work) is realistic; flat or pure-noise images would flatter or punish it.
    /// </summary>
    private static List<(string, byte[])> Generate(int count, int side)
    {
        List<(string, byte[])> generated = [];
        for (int n = 0; n < count; n++)
        {
            using Image<L8> image = new(side, side);
            int seed = n;
            image.ProcessPixelRows(rows =>
            {
                for (int y = 0; y < rows.Height; y++)
                {
                    Span<L8> row = rows.GetRowSpan(y);
                    double v = (double)y / side;
                    for (int x = 0; x < row.Length; x++)
                    {
                        double u = (double)x / side;
                        double body = 170 * Math.Exp(-(Math.Pow((u - 0.5) / 0.42, 4) + Math.Pow((v - 0.55) / 0.5, 4)));
                        double lungs = 70 * (Math.Exp(-(Math.Pow((u - 0.32) / 0.13, 2) + Math.Pow((v - 0.45) / 0.22, 2)))
                            + Math.Exp(-(Math.Pow((u - 0.68) / 0.13, 2) + Math.Pow((v - 0.45) / 0.22, 2))));
                        double ribs = 12 * Math.Sin((v * 60) + (4 * Math.Abs(u - 0.5)) + seed);
                        uint hash = (uint)((x * 73856093) ^ (y * 19349663) ^ (seed * 83492791));
                        hash ^= hash >> 13;
                        hash *= 0x5bd1e995;
                        hash ^= hash >> 15;
                        row[x] = new L8((byte)Math.Clamp(30 + body - lungs + ribs + (hash % 7), 0, 255));
                    }
                }
            });
            using MemoryStream stream = new();
            image.Save(stream, new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit8 });
            generated.Add(($"synthetic-{n:D3}.png ({side}x{side} 8-bit greyscale)", stream.ToArray()));
        }

        return generated;
    }

    private static Percentiles Stat(List<double> values)
    {
        double[] sorted = [.. values.Order()];
        double At(double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new Percentiles(At(0.5), At(0.95), sorted[0]);
    }

    private static void Print(TextWriter output, BenchReport r)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"Model {r.Model.Version} ({r.Model.OnnxBytes / 1e6:F1} MB ONNX{(r.Model.Untrained ? ", untrained: timing only" : string.Empty)}) on {r.Model.ExecutionProvider}{(r.Model.Spinning ? " (spinning threads)" : string.Empty)}, {r.LogicalCpus} logical CPUs"));
        output.WriteLine(string.Create(c, $"{r.Images.Count} images, e.g. {r.Images.Example}, mean {r.Images.MeanBytes / 1024.0:F0} KiB"));
        output.WriteLine("one image at a time (ms)   median      p95      min");
        void Line(string name, Percentiles p) => output.WriteLine(string.Create(c, $"  {name,-24}{p.Median,8:F2} {p.P95,8:F2} {p.Min,8:F2}"));
        Line("decode", r.Decode);
        Line("preprocess", r.Preprocess);
        Line("decode + preprocess", r.DecodeAndPreprocess);
        Line("naive RGB decode+resize", r.NaiveDecodeAndResize);
        Line("inference", r.Inference);
        Line("end-to-end (batch 1)", r.EndToEnd);
        Line("bare session.Run", r.BareRun);
        output.WriteLine(string.Create(c, $"latency: end-to-end / bare Run {r.LatencyOverBareRun:F3} ({r.Batch1ImagesPerSecond:F2} images/s, nothing overlapped)"));
        output.WriteLine(string.Create(c, $"stream (batch 1, next image decoded during each Run): {r.Stream.PerImageMs:F2} ms per image, {r.Stream.ImagesPerSecond:F2} images/s; per image / bare Run {r.Stream.OverBareRun:F3} (target ≤ 1.25)"));
        output.WriteLine(string.Create(c, $"batched ({r.Batched.BatchSize} per Run, pipelined): {r.Batched.PerImageMs:F2} ms per image, {r.Batched.ImagesPerSecond:F2} images/s; bare Run at that batch {r.Batched.BareRunPerImageMs:F2} ms per image"));
        if (r.Formats is not null)
        {
            FormatBench.Print(output, r.Formats, r.FormatRepeats);
        }

        output.WriteLine(r.Disclaimer);
    }

    /// <summary>Min is reported because a shared machine's load inflates medians; the fastest run shows the code's own cost.</summary>
    private sealed record Percentiles(double Median, double P95, double Min);

    private sealed record BenchModel(string Version, string Sha256, string ExecutionProvider, bool Untrained, int OnnxBytes, bool Spinning);

    private sealed record BenchImages(int Count, string Example, long MeanBytes);

    /// <summary>All images through <c>ScoreBatchAsync</c> one per Run: what a steady stream of uploads costs per image.</summary>
    private sealed record BenchStream(double PerImageMs, double OverBareRun, double ImagesPerSecond);

    private sealed record BenchBatched(int BatchSize, double PerImageMs, double ImagesPerSecond, double BareRunPerImageMs);

    private sealed record BenchReport(
        BenchModel Model,
        BenchImages Images,
        Percentiles Decode,
        Percentiles Preprocess,
        Percentiles DecodeAndPreprocess,
        Percentiles NaiveDecodeAndResize,
        Percentiles Inference,
        Percentiles EndToEnd,
        Percentiles BareRun,
        double LatencyOverBareRun,
        BenchStream Stream,
        BenchBatched Batched,
        double Batch1ImagesPerSecond,
        int LogicalCpus,
        IReadOnlyList<FormatRow>? Formats,
        int FormatRepeats,
        string Disclaimer);

    /// <summary>
    /// <c>session.Run</c> and nothing else: a preprocessed image repeated <c>batch</c> times in one input tensor,
    /// created once, so only ONNX Runtime's own time is measured.
    /// </summary>
    private sealed class BareRunner : IDisposable
    {
        private readonly InferenceSession _session;
        private readonly OrtValue _input;
        private readonly RunOptions _runOptions = new();
        private readonly string[] _inputNames;
        private readonly string[] _outputNames;

        public BareRunner(InferenceSession session, ModelManifest manifest, float[] image, int batch)
        {
            _session = session;
            float[] values = new float[batch * image.Length];
            for (int i = 0; i < batch; i++)
            {
                image.CopyTo(values, i * image.Length);
            }

            _input = OrtValue.CreateTensorValueFromMemory(values, [batch, Preprocessing.Channels, Preprocessing.Size, Preprocessing.Size]);
            _inputNames = [manifest.InputName];
            _outputNames = [manifest.OutputName];
        }

        /// <summary>One Run; returns its milliseconds.</summary>
        public double Run()
        {
            long started = Stopwatch.GetTimestamp();
            using IDisposableReadOnlyCollection<OrtValue> outputs = _session.Run(_runOptions, _inputNames, [_input], _outputNames);
            return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        public void Dispose()
        {
            _input.Dispose();
            _runOptions.Dispose();
        }
    }
}
