namespace ServerlessCovid.Core.Imaging.Dicom;

/// <summary>
/// Admits a code string (VR CS, PS3.5 6.2) into results and logs. The value comes from an untrusted file and ends up
/// in table columns, JSON and log lines, so only what CS allows passes: upper-case letters, digits, space and
/// underscore, at most 16 characters. Anything else (control characters, markup, free text a modality put in the
/// wrong attribute) is dropped as a whole rather than repaired, so no fragment of it is stored.
/// </summary>
internal static class DicomCodeString
{
    public const int MaxLength = 16;

    public static string? Sanitise(string? value)
    {
        if (value is null || value.Length > MaxLength)
        {
            return null;
        }

        foreach (char c in value)
        {
            if (c is not ((>= 'A' and <= 'Z') or (>= '0' and <= '9') or ' ' or '_'))
            {
                return null;
            }
        }

        return value;
    }
}
