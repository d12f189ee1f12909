using System.Text;

namespace ServerlessCovid.Core.Imaging.Dicom;

/// <summary>
/// What a result records about a DICOM input: the acquisition, never the patient. Modality and view position are
/// null when the file has none (or one that is not a well-formed code string); <see cref="SopInstanceUidHash"/> is
/// null unless <see cref="ImageInputOptions.DicomUidSalt"/> is set. Null as a whole for every non-DICOM input.
/// </summary>
public sealed record DicomAcquisition(
    string? Modality,
    string? ViewPosition,
    string PhotometricInterpretation,
    string TransferSyntaxUid,
    string? SopInstanceUidHash)
{
    /// <summary>
    /// The acquisition of <paramref name="info"/>; the SOP Instance UID only as its HMAC-SHA256 under
    /// <paramref name="salt"/>, so identical deliveries can be matched while the UID itself is never stored.
    /// </summary>
    public static DicomAcquisition From(DicomInfo info, string? salt)
    {
        ArgumentNullException.ThrowIfNull(info);
        return new DicomAcquisition(
            info.Modality,
            info.ViewPosition,
            info.PhotometricInterpretation,
            info.TransferSyntaxUid,
            string.IsNullOrEmpty(salt) ? null : info.HashSopInstanceUid(Encoding.UTF8.GetBytes(salt)));
    }
}
