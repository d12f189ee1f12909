using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using NSubstitute;
using ServerlessCovid.Functions.Http;
using ServerlessCovid.Functions.Tests.Infrastructure;
using ServerlessCovid.Testing.Storage;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Functions.Tests.Security;

/// <summary>What <c>curl --data-binary @file</c> and other plain clients send, with only the key header.</summary>
[Collection(TestCollections.Azurite)]
public sealed class PlainClientTests(AzuriteFixture azurite)
{
    public static TheoryData<string, string?> RawUploads() => new()
    {
        { "png", null },
        { "png", "application/x-www-form-urlencoded" },
        { "png", "application/octet-stream" },
        { "png", "text/plain" },
        { "jpeg", null },
        { "jpeg", "application/x-www-form-urlencoded" },
        { "bmp", "application/x-www-form-urlencoded" },
        { "bmp", "image/png" },
    };

    [Theory]
    [MemberData(nameof(RawUploads))]
    public async Task Triage_RawImageWhateverContentType_IsScored200(string format, string? contentType)
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        Keys keys = await AccessTestHarness.IssueKeysAsync(app);
        await AccessTestHarness.PrepareAsync(app);

        // Trigger
        RawResponse response = await AccessTestHarness.CallAsync(
            app, nameof(TriageXray), Keys.Header(keys.OwnHospital), Substitute.For<DurableTaskClient>("test"), "unused",
            body: Encode(format), contentType: contentType);

        // Verify
        Assert.True(response.Status == StatusCodes.Status200OK, response.Body);
        Assert.Equal("scored", JsonDocument.Parse(response.Body).RootElement.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("multipart/form-data; boundary=xyz", "this is not multipart at all")]
    [InlineData("multipart/form-data", "--xyz\r\nno boundary parameter\r\n--xyz--")]
    [InlineData("multipart/form-data; boundary=xyz", "--xyz\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.png\"\r\n\r\ntruncated")]
    public async Task Triage_MalformedMultipart_Answers400WithCode(string contentType, string body)
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        Keys keys = await AccessTestHarness.IssueKeysAsync(app);
        await AccessTestHarness.PrepareAsync(app);

        // Trigger
        RawResponse response = await AccessTestHarness.CallAsync(
            app, nameof(TriageXray), Keys.Header(keys.OwnHospital), Substitute.For<DurableTaskClient>("test"), "unused",
            body: Encoding.ASCII.GetBytes(body), contentType: contentType);

        // Verify
        Assert.Equal(StatusCodes.Status400BadRequest, response.Status);
        Assert.StartsWith("application/problem+json", response.ContentType, StringComparison.Ordinal);
        Assert.Equal(ApiErrorCodes.MalformedMultipart, JsonDocument.Parse(response.Body).RootElement.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Triage_WellFormedMultipart_StillScores200()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        Keys keys = await AccessTestHarness.IssueKeysAsync(app);
        await AccessTestHarness.PrepareAsync(app);
        using MultipartFormDataContent form = new();
        form.Add(new ByteArrayContent(TestXrays.Normal()), "image", "scan.png");
        byte[] body = await form.ReadAsByteArrayAsync();

        // Trigger
        RawResponse response = await AccessTestHarness.CallAsync(
            app, nameof(TriageXray), Keys.Header(keys.OwnHospital), Substitute.For<DurableTaskClient>("test"), "unused",
            body: body, contentType: form.Headers.ContentType!.ToString());

        // Verify
        Assert.Equal(StatusCodes.Status200OK, response.Status);
        Assert.Equal("normal", JsonDocument.Parse(response.Body).RootElement.GetProperty("label").GetString());
    }

    private static byte[] Encode(string format)
    {
        if (format == "png")
        {
            return TestXrays.Covid();
        }

        using Image<Rgba32> image = new(48, 48, new Rgba32(200, 40, 60));
        using MemoryStream stream = new();
        if (format == "jpeg")
        {
            image.Save(stream, new JpegEncoder());
        }
        else
        {
            image.Save(stream, new BmpEncoder());
        }

        return stream.ToArray();
    }
}
