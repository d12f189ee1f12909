using Azure.Storage.Blobs.Models;

namespace ServerlessCovid.Core.Datasets.Labelled;

public sealed partial class LabelledImageStore
{
    /// <summary>
    /// For images with no result row to hold their label (bulk imports), reduces an id's copies to one after
    /// <see cref="AddAsync"/>: when concurrent writers disagreed on the label, every copy but the newest (labelling
    /// time, then blob name) is deleted. Each writer calls this after its own upload, so the last one to finish sees
    /// every copy; all of them apply the same rule to the same copies, so they never delete each other's survivor.
    /// Returns the copy that remains.
    /// </summary>
    public async Task<LabelledImage?> SettleAsync(string hospital, string id, CancellationToken cancellationToken = default)
    {
        List<LabelledImage> copies = await FindAsync(hospital, id, cancellationToken).ConfigureAwait(false);
        LabelledImage? keep = copies
            .OrderByDescending(c => c.LabelledUtc)
            .ThenBy(c => c.BlobName, StringComparer.Ordinal)
            .FirstOrDefault();
        foreach (LabelledImage other in copies.Where(c => !ReferenceEquals(c, keep)))
        {
            try
            {
                // Conditional on the copy we judged, so a copy rewritten meanwhile is judged again by its own writer.
                await _labelled.DeleteBlobIfExistsAsync(
                    other.BlobName,
                    conditions: new BlobRequestConditions { IfMatch = new Azure.ETag(Quoted(other.ETag)) },
                    cancellationToken: cancellationToken).ConfigureAwait(false);
                LogRelabelled(_logger, hospital, id, other.Label, keep!.Label);
            }
            catch (Azure.RequestFailedException ex) when (ex.Status == 412)
            {
                // Rewritten after we listed it: its writer settles again after that write.
            }
        }

        return keep;
    }

    private static string Quoted(string etag) => etag.StartsWith('"') ? etag : $"\"{etag}\"";
}
