using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Datasets.Labelled;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Retraining.Hosting;
using ServerlessCovid.Retraining.Orchestration;
using ServerlessCovid.Testing.Onnx;
using ServerlessCovid.Testing.Storage;
using ServerlessCovid.Training.Models;
using ServerlessCovid.Training.Platform;
using ServerlessCovid.Training.Training;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Retraining.Tests.Support;

/// <summary>
/// One test's storage (its own containers and tables in the shared Azurite), local work folder, labelled images and
/// an in-process retraining host wired exactly like the real one.
/// </summary>
public sealed class RetrainingTestEnvironment : IAsyncDisposable
{
    private readonly AzuriteFixture _azurite;
    private readonly List<RetrainingHost> _hosts = [];

    public RetrainingTestEnvironment(AzuriteFixture azurite)
    {
        _azurite = azurite;
        Storage = azurite.NewStorageOptions();
        WorkDirectory = Path.Combine(Path.GetTempPath(), "sc-retraining-tests", Guid.NewGuid().ToString("N")[..10]);
        Configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Storage:XraysContainer"] = Storage.XraysContainer,
            ["Storage:LabelledContainer"] = Storage.LabelledContainer,
            ["Storage:ModelsContainer"] = Storage.ModelsContainer,
            ["Storage:RetrainingContainer"] = Storage.RetrainingContainer,
            ["Storage:ResultsTable"] = Storage.ResultsTable,
            ["Storage:RetrainingRunsTable"] = Storage.RetrainingRunsTable,
            ["Retraining:WorkDirectory"] = WorkDirectory,
            ["Inference:ExecutionProvider"] = "Cpu",
            ["Evaluation:BootstrapReplicates"] = "200",
            ["Evaluation:FigureWidth"] = "400",
            ["Evaluation:FigureHeight"] = "300",
        }).Build();
    }

    public StorageOptions Storage { get; }

    public string WorkDirectory { get; }

    public IConfiguration Configuration { get; }

    /// <summary>
    /// Labelled images per class for a run that must be able to publish: the 70/30 split then keeps 21 validation
    /// images per class, above the production publish floor of 20 (Retraining:MinValidationImagesPerClass).
    /// </summary>
    public const int PublishablePerClass = 70;

    public BlobContainerClient Container(string name) => _azurite.CreateBlobServiceClient().GetBlobContainerClient(name);

    /// <summary>
    /// The tiny network, a few epochs, fast retries: a whole run takes seconds to a few minutes on 2 cores. The publish
    /// floor is the production default, so a run that should publish needs <see cref="PublishablePerClass"/> images.
    /// </summary>
    public static RetrainingSettings TinySettings(int epochs = 2, int epochsPerChunk = 1) => new()
    {
        Preset = "tiny",
        Epochs = epochs,
        EpochsPerChunk = epochsPerChunk,
        MinImagesPerClass = 6,
        MaxAttempts = 3,
        FirstRetrySeconds = 0.2,
        MinimumImprovement = 0.01,

        // The split is a stable hash, so per-class validation counts vary like a binomial draw around 30%; this seed
        // gives these one-patient-per-image sets the counts the tests are about: 23/23 of 70 per class (above the
        // floor of 20) and 4/4 of 12 (below it). StableSplitTests covers the split itself.
        Seed = 92,
    };

    /// <summary>
    /// Uploads labelled x-ray stand-ins in the store's layout, one patient per image: COVID images are bright with a
    /// dense blob, normals dark, so the tiny network can learn the difference in a couple of epochs.
    /// </summary>
    public async Task UploadLabelledAsync(int covid, int normal, int seed = 7)
    {
        LabelledImageStore store = new(
            _azurite.CreateBlobServiceClient(), Options.Create(Storage), TimeProvider.System, NullLogger<LabelledImageStore>.Instance);
        Random random = new(seed);
        for (int i = 0; i < covid + normal; i++)
        {
            string label = i < covid ? ClassNames.Covid : ClassNames.Normal;
            await store.AddAsync(
                new LabelledImageRequest
                {
                    Hospital = "hospital-a",
                    Id = $"{label}-{i:D3}",
                    Label = label,
                    Extension = "png",
                    LabelledBy = "test",
                    Source = "synthetic-test",
                    GroupId = $"p{i:D3}",
                },
                BinaryData.FromBytes(SyntheticPng(label == ClassNames.Covid, random)));
        }
    }

    /// <summary>
    /// A small but real servable package (a hand-built ONNX graph) to stand as an existing champion, published before
    /// packages carried weights, or with the real TorchSharp weights of a freshly built <paramref name="weightsOf"/>.
    /// </summary>
    public static ModelPackage ChampionPackage(string version, NasNetConfig? weightsOf = null)
    {
        ModelManifest manifest = new()
        {
            Version = version,
            CreatedUtc = DateTimeOffset.UnixEpoch,
            OnnxSha256 = string.Empty,
            ClassNames = ClassNames.InOutputOrder,
            PreprocessingId = Preprocessing.RgbStretchUnit256,
            OperatingThreshold = 0.5,
        };
        if (weightsOf is null)
        {
            return ModelPackage.Create(manifest, TinyOnnxModels.ChannelContrastClassifier());
        }

        TorchRuntime.EnsureInitialized();
        using NasNet network = NasNet.Create(weightsOf);
        return ModelPackage.Create(
            manifest with { Weights = PackageWeights.Describe(weightsOf) }, TinyOnnxModels.ChannelContrastClassifier(), PackageWeights.Save(network));
    }

    public async Task<RetrainingHost> StartHostAsync(Action<IServiceCollection>? configureServices = null)
    {
        RetrainingHost host = await RetrainingHost.StartAsync(new InProcessRetrainingOptions
        {
            Configuration = Configuration,
            ConfigureServices = configureServices,
        });
        _hosts.Add(host);
        return host;
    }

    public static async Task<InProcessRetrainingRun> RunAsync(RetrainingHost host, RetrainingSettings settings)
    {
        using CancellationTokenSource timeout = new(TimeSpan.FromMinutes(10));
        RetrainingStartResult started = await host.StartRunAsync("test", settings, timeout.Token);
        Assert.True(started.Started, started.Message);
        return await host.WaitAsync(started.InstanceId, progress: null, timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (RetrainingHost host in _hosts)
        {
            await host.DisposeAsync();
        }

        if (Directory.Exists(WorkDirectory))
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
    }

    /// <summary>A 48×48 grayscale PNG: COVID bright with a dense blob, normal dark.</summary>
    public static byte[] SyntheticPng(bool covid, Random random)
    {
        const int size = 48;
        using Image<L8> image = new(size, size);
        int cx = random.Next(14, 34);
        int cy = random.Next(14, 34);
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                double background = covid ? 150 : 60;
                double blob = covid && ((x - cx) * (x - cx)) + ((y - cy) * (y - cy)) < 100 ? 80 : 0;
                image[x, y] = new L8((byte)Math.Clamp(background + blob + random.Next(-30, 30), 0, 255));
            }
        }

        using MemoryStream stream = new();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }
}
