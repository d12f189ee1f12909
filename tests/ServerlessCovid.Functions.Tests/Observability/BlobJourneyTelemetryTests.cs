using System.Diagnostics;
using Azure.Storage.Blobs;
using OpenTelemetry.Metrics;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Observability;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Functions.Tests.Infrastructure;
using ServerlessCovid.Functions.Triage;
using ServerlessCovid.Testing.Imaging;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Functions.Tests.Observability;

/// <summary>
/// One blob's journey through the blob trigger, seen through the app's OpenTelemetry pipeline with in-memory
/// exporters: the metric values it produced, and that no attribute of any metric or span carries image bytes, a blob
/// name or a value of the DICOM header.
/// </summary>
[Collection(TestCollections.Azurite)]
public sealed class BlobJourneyTelemetryTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Run_OneScoredXray_RecordsOneScoredImageItsStagesAndTheServedModel()
    {
        // Setup
        TelemetryCapture capture = new();
        await using FunctionsTestApp app = capture.CreateApp(azurite);
        TelemetryCapture.Start(app);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        BlobClient blob = await app.UploadXrayAsync("st-marys/ward-3.png", TestXrays.Covid());

        // Trigger
        await app.Function<TriageUploadedXray>().Run(blob, CancellationToken.None);
        TelemetryCapture.Flush(app);

        // Verify: one image, scored, from the blob source, without an error code.
        MetricPoint image = Assert.Single(capture.Points(TelemetryNames.ImagesTriaged));
        Assert.Equal(1, image.GetSumLong());
        Assert.Equal(
            new Dictionary<string, object?> { ["source"] = "blob", ["status"] = "scored" },
            TelemetryCapture.Tags(image));

        // One latency sample per stage: the trigger-to-row total and the classifier's three stages.
        MetricPoint[] stages = [.. capture.Points(TelemetryNames.StageDuration)];
        Assert.Equal(
            ["decode", "inference", "preprocess", "total"],
            stages.Select(p => (string)TelemetryCapture.Tags(p)["stage"]!).Order(StringComparer.Ordinal));
        Assert.All(stages, p => Assert.Equal((1L, "blob"), (p.GetHistogramCount(), (string?)TelemetryCapture.Tags(p)["source"])));
        Assert.All(stages, p => Assert.True(p.GetHistogramSum() >= 0));
        double total = stages.Single(p => (string)TelemetryCapture.Tags(p)["stage"]! == "total").GetHistogramSum();
        Assert.True(total >= stages.Where(p => (string)TelemetryCapture.Tags(p)["stage"]! != "total").Sum(p => p.GetHistogramSum()),
            "the total latency of an image cannot be shorter than its classifier stages");

        // The served model, as the gauge reports it after the trigger loaded it.
        MetricPoint model = Assert.Single(capture.Points(TelemetryNames.ModelServed));
        Assert.Equal(1, model.GetGaugeLastValueLong());
        Assert.Equal("v1", TelemetryCapture.Tags(model)["model_version"]);

        // One ONNX Runtime run of one image (dynamic batching is off on CPU).
        MetricPoint batch = Assert.Single(capture.Points(TelemetryNames.BatchSize));
        Assert.Equal((1L, 1.0), (batch.GetHistogramCount(), batch.GetHistogramSum()));

        // One trace: the blob's root span, with the stages as its children in the same trace.
        Activity[] spans = [.. capture.Spans.Where(a => a.Source.Name == TriageActivities.SourceName)];
        Activity root = Assert.Single(spans, a => a.OperationName == TriageActivities.BlobTriage);
        Assert.Equal(("scored", "v1"), ((string?)root.GetTagItem(TriageActivities.StatusTag), (string?)root.GetTagItem(TriageActivities.ModelVersionTag)));
        Assert.All(spans, a => Assert.Equal(root.TraceId, a.TraceId));
        Assert.Superset(
            new HashSet<string>([TriageActivities.Download, TriageActivities.Decode, TriageActivities.Preprocess, TriageActivities.Run, TriageActivities.TableWrite]),
            spans.Where(a => a.ParentSpanId == root.SpanId).Select(a => a.OperationName).ToHashSet());
    }

    [Fact]
    public async Task Run_CorruptXrayThenScoredXray_CountsEachStatusWithItsErrorCode()
    {
        // Setup
        TelemetryCapture capture = new();
        await using FunctionsTestApp app = capture.CreateApp(azurite);
        TelemetryCapture.Start(app);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        BlobClient broken = await app.UploadXrayAsync("h1/broken.png", TestXrays.CorruptPng());
        BlobClient good = await app.UploadXrayAsync("h1/good.png", TestXrays.Normal());
        TriageUploadedXray function = app.Function<TriageUploadedXray>();

        // Trigger
        await function.Run(broken, CancellationToken.None);
        await function.Run(good, CancellationToken.None);
        TelemetryCapture.Flush(app);

        // Verify
        Dictionary<string, long> counts = capture.Points(TelemetryNames.ImagesTriaged).ToDictionary(
            p => $"{TelemetryCapture.Tags(p)["status"]}/{TelemetryCapture.Tags(p).GetValueOrDefault("error_code")}",
            p => p.GetSumLong());
        Assert.Equal(new Dictionary<string, long> { ["rejected/" + ImageErrorCodes.Corrupt] = 1, ["scored/"] = 1 }, counts);
    }

    [Fact]
    public async Task Run_DicomWithPatientData_NoMetricOrSpanAttributeCarriesImageBytesNamesOrHeaderValues()
    {
        // Setup: a DICOM x-ray whose header names a patient, uploaded under a file name that is a patient id.
        string[] phi = ["DOE^JANE", "PID-0042-7731", "19610412", "ST-MARYS-ACC-99812", "1.2.826.0.1.3680043.2.1125.77.1", "DR^WHO"];
        byte[] pixels = [.. Enumerable.Range(0, 48 * 48).Select(i => (byte)(i % 48 * 5))];
        byte[] dicom = new DicomWriter()
            .Image(48, 48, "MONOCHROME2", 8, 8)
            .Text(0x0010_0010, "PN", phi[0])
            .Text(0x0010_0020, "LO", phi[1])
            .Text(0x0010_0030, "DA", phi[2])
            .Text(0x0008_0050, "SH", phi[3])
            .Text(0x0008_0018, "UI", phi[4])
            .Text(0x0008_0090, "PN", phi[5])
            .Text(0x0008_0060, "CS", "DX")
            .Pixels(pixels)
            .ToPart10(DicomWriter.Explicit);
        TelemetryCapture capture = new();
        await using FunctionsTestApp app = capture.CreateApp(azurite);
        TelemetryCapture.Start(app);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        string fileName = phi[1] + ".dcm";
        BlobClient blob = await app.UploadXrayAsync("st-marys/" + fileName, dicom);

        // Trigger
        await app.Function<TriageUploadedXray>().Run(blob, CancellationToken.None);
        TelemetryCapture.Flush(app);

        // Verify: the journey produced telemetry (the check below would be empty otherwise)...
        TriageResult row = (await app.Results.GetAsync("st-marys", ResultIds.ForBlob("st-marys", fileName)))!;
        Assert.Equal(TriageStatus.Scored, row.Status);
        Assert.Equal("scored", TelemetryCapture.Tags(Assert.Single(capture.Points(TelemetryNames.ImagesTriaged)))["status"]);

        // ...and none of it holds a header value, the file name, the blob URI or bytes of the image.
        List<(string Where, object? Value)> attributes = [];
        foreach (MetricSnapshot metric in capture.Metrics)
        {
            foreach (MetricPoint point in metric.MetricPoints)
            {
                attributes.AddRange(TelemetryCapture.Tags(point).Select(tag => ($"{metric.Name}:{tag.Key}", tag.Value)));
            }
        }

        foreach (Activity span in capture.Spans)
        {
            attributes.Add(($"span {span.OperationName}:name", span.DisplayName));
            attributes.AddRange(span.TagObjects.Select(tag => ($"span {span.OperationName}:{tag.Key}", tag.Value)));
            attributes.AddRange(span.Events.SelectMany(e => e.Tags.Select(tag => ($"span {span.OperationName} event {e.Name}:{tag.Key}", tag.Value))));
        }

        string[] forbidden = [.. phi, fileName, blob.Uri.ToString(), blob.Name, Convert.ToBase64String(dicom.AsSpan(0, 48)), Convert.ToHexString(pixels.AsSpan(0, 32))];
        Assert.NotEmpty(attributes);
        Assert.All(attributes, attribute =>
        {
            Assert.False(attribute.Value is byte[] or ReadOnlyMemory<byte> or Memory<byte> or float[], $"{attribute.Where} carries raw data");
            string text = attribute.Value?.ToString() ?? string.Empty;
            Assert.True(text.Length <= 128, $"{attribute.Where} is {text.Length} characters long");
            Assert.DoesNotContain(forbidden, value => text.Contains(value, StringComparison.OrdinalIgnoreCase));
        });
    }
}
