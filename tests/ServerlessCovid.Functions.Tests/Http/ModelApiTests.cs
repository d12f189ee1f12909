using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Functions.Http;
using ServerlessCovid.Functions.Tests.Infrastructure;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Functions.Tests.Http;

[Collection(TestCollections.Azurite)]
public sealed class ModelApiTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task GetModel_BeforeAndAfterPublishing_Returns404ThenManifestMetricsAndReportLink()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        GetModel function = app.Function<GetModel>();
        HttpRequest before = HttpTestRequests.Create(app.Provider, "GET");
        ExecutedResponse beforeResponse = await HttpTestRequests.ExecuteAsync(await function.Run(before, CancellationToken.None), before);
        string artifacts = Directory.CreateTempSubdirectory().FullName;
        await File.WriteAllTextAsync(Path.Combine(artifacts, "report.html"), "<html>evaluation</html>");

        // Trigger
        CurrentModelPointer pointer = await app.PublishAsync(TestModelPackages.Create("v7"), artifacts: artifacts);
        HttpRequest after = HttpTestRequests.Create(app.Provider, "GET");
        ExecutedResponse afterResponse = await HttpTestRequests.ExecuteAsync(await function.Run(after, CancellationToken.None), after);

        // Verify
        Assert.Equal(StatusCodes.Status404NotFound, beforeResponse.Status);
        Assert.Equal(ApiErrorCodes.NoModelPublished, beforeResponse.String("code"));
        Assert.Equal(StatusCodes.Status200OK, afterResponse.Status);
        Assert.Equal(("v7", pointer.OnnxSha256), (afterResponse.String("version"), afterResponse.String("onnxSha256")));
        Assert.Equal(0.95, afterResponse.Body.GetProperty("metrics").GetProperty("positiveClassAuc").GetDouble());
        Assert.Equal("/api/models/v7/files/report.html", afterResponse.String("reportUrl"));
        Assert.Equal(0.5, afterResponse.Body.GetProperty("manifest").GetProperty("operatingThreshold").GetDouble());
        Assert.Equal(Disclaimers.ResearchOnly, afterResponse.String("disclaimer"));
        Directory.Delete(artifacts, recursive: true);
    }

    [Fact]
    public async Task GetModelFile_PublishedReport_ReturnsHtml()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        string artifacts = Directory.CreateTempSubdirectory().FullName;
        await File.WriteAllTextAsync(Path.Combine(artifacts, "report.html"), "<html>evaluation</html>");
        await app.PublishAsync(TestModelPackages.Create("v7"), artifacts: artifacts);

        HttpRequest request = HttpTestRequests.Create(app.Provider, "GET");

        // Trigger
        IActionResult result = await app.Function<GetModelFile>().Run(request, "v7", "report.html", CancellationToken.None);
        await result.ExecuteResultAsync(new ActionContext(request.HttpContext, new Microsoft.AspNetCore.Routing.RouteData(),
            new Microsoft.AspNetCore.Mvc.Abstractions.ActionDescriptor()));

        // Verify
        HttpResponse response = request.HttpContext.Response;
        Assert.Equal((200, "text/html; charset=utf-8"), (response.StatusCode, response.ContentType));
        Assert.Equal("nosniff", response.Headers.XContentTypeOptions.ToString());
        Assert.Equal("<html>evaluation</html>", System.Text.Encoding.UTF8.GetString(((MemoryStream)response.Body).ToArray()));
        Directory.Delete(artifacts, recursive: true);
    }

    [Theory]
    [InlineData("v7", "../v7/model.onnx")]
    [InlineData("v7", "missing.html")]
    [InlineData("..", "report.html")]
    public async Task GetModelFile_PathTrickOrMissing_Returns404(string version, string path)
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v7"));
        HttpRequest request = HttpTestRequests.Create(app.Provider, "GET");

        // Trigger
        ExecutedResponse response = await HttpTestRequests.ExecuteAsync(
            await app.Function<GetModelFile>().Run(request, version, path, CancellationToken.None), request);

        // Verify
        Assert.Equal(StatusCodes.Status404NotFound, response.Status);
    }
}
