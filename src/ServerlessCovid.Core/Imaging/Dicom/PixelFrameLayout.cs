namespace ServerlessCovid.Core.Imaging.Dicom;

/// <summary>The size of one decoded frame, checked once so that every codec allocates its output exactly once.</summary>
internal readonly record struct PixelFrameLayout(int Rows, int Columns, int SamplesPerPixel, int BytesPerSample)
{
    public long Pixels => (long)Rows * Columns;

    public int FrameBytes => (int)(Pixels * SamplesPerPixel * BytesPerSample);

    /// <summary>
    /// Rows and Columns are US elements (at most 65535); the frame must also fit one array. The caller has already
    /// held the dimensions to its own pixel caps, so this only guards the arithmetic and the allocation.
    /// </summary>
    public static PixelFrameLayout Validate(int rows, int columns, int samplesPerPixel, int bitsAllocated, string codec)
    {
        if (rows is < 1 or > ushort.MaxValue || columns is < 1 or > ushort.MaxValue)
        {
            throw new ImageRejectedException(ImageErrorCodes.Corrupt, $"{codec} pixel data was declared as {columns}x{rows}; Rows and Columns must be 1 to 65535.");
        }

        if (samplesPerPixel is not (1 or 3))
        {
            throw new ImageRejectedException(ImageErrorCodes.Corrupt, $"{codec} pixel data has {samplesPerPixel} samples per pixel; only 1 (monochrome) or 3 (RGB) can be decoded.");
        }

        if (bitsAllocated is not (8 or 16))
        {
            throw new ImageRejectedException(ImageErrorCodes.Corrupt, $"{codec} pixel data has Bits Allocated {bitsAllocated}; only 8 or 16 can be decoded.");
        }

        var layout = new PixelFrameLayout(rows, columns, samplesPerPixel, bitsAllocated / 8);
        if (layout.Pixels * samplesPerPixel * layout.BytesPerSample > Array.MaxLength)
        {
            throw new ImageRejectedException(ImageErrorCodes.Corrupt, $"{codec} frame of {columns}x{rows}x{samplesPerPixel} samples is larger than one buffer can hold.");
        }

        return layout;
    }
}
