using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ServerlessCovid.Core.Storage;

namespace ServerlessCovid.Functions.Http;

/// <summary>
/// <c>GET /api/models/{version}/files/{*path}</c>: a published model's report, metrics and figures, so the link in
/// <c>GET /api/model</c> works without handing out storage credentials. Relative links inside the report resolve
/// under the same prefix.
/// </summary>
public sealed class GetModelFile(BlobModelRegistry registry)
{
    public const string ReportFileName = "report.html";

    [Function(nameof(GetModelFile))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "models/{version}/files/{*path}")] HttpRequest request,
        string version,
        string path,
        CancellationToken cancellationToken)
    {
        BinaryData? content = null;
        if (ModelVersions.IsValid(version) && !string.IsNullOrEmpty(path))
        {
            try
            {
                content = await registry.DownloadArtifactAsync(version, path, cancellationToken).ConfigureAwait(false);
            }
            catch (ArgumentException)
            {
                // A path with '..' or similar: answered like any other missing file.
            }
        }

        if (content is null)
        {
            return Problems.NotFound($"Model {version} has no file '{path}'.");
        }

        return new BytesResponse(content.ToMemory(), ContentTypes.ForFileName(path));
    }

    public static string Link(string version, string path) => $"/api/models/{Uri.EscapeDataString(version)}/files/{path}";
}
