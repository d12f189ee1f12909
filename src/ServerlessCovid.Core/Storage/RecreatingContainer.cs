using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace ServerlessCovid.Core.Storage;

/// <summary>
/// A container this process creates on first use and again if it is deleted while the process runs (an operator
/// clearing a test account, a lifecycle mistake): the first upload that finds it missing creates it and retries once.
/// </summary>
internal sealed class RecreatingContainer
{
    private readonly AsyncOnce _created;

    public RecreatingContainer(BlobContainerClient client)
    {
        Client = client;
        _created = new AsyncOnce(ct => client.CreateIfNotExistsAsync(cancellationToken: ct));
    }

    public BlobContainerClient Client { get; }

    /// <summary>Uploads (overwriting) with the content type of the blob name's extension.</summary>
    public Task UploadAsync(string blobName, BinaryData content, CancellationToken cancellationToken)
    {
        BlobUploadOptions upload = new() { HttpHeaders = new BlobHttpHeaders { ContentType = ContentTypes.ForFileName(blobName) } };
        return _created.RunAsync(ct => Client.GetBlobClient(blobName).UploadAsync(content, upload, ct), cancellationToken);
    }
}
