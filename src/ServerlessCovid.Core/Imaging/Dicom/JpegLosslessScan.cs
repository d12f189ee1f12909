namespace ServerlessCovid.Core.Imaging.Dicom;

/// <summary>One lossless scan (SOS, T.81 B.2.3) and its decoding with the predictors and point transform of H.1.2.</summary>
internal sealed class JpegLosslessScan
{
    private readonly int[] _components;
    private readonly JpegHuffmanTable[] _tables;
    private readonly int _predictor;
    private readonly int _pointTransform;
    private readonly int _precision;

    private JpegLosslessScan(int[] components, JpegHuffmanTable[] tables, int predictor, int pointTransform, int precision)
    {
        _components = components;
        _tables = tables;
        _predictor = predictor;
        _pointTransform = pointTransform;
        _precision = precision;
    }

    public static JpegLosslessScan Parse(ReadOnlySpan<byte> sos, JpegLosslessFrameHeader header, JpegHuffmanTable?[] tables)
    {
        if (sos.Length < 1 || sos[0] is < 1 or > 4 || sos.Length != 4 + (2 * sos[0]))
        {
            throw JpegLosslessDecoder.Corrupt("The SOS scan header has the wrong length for its component count; the stream is corrupt.");
        }

        int count = sos[0];
        int predictor = sos[1 + (2 * count)];
        int successiveHigh = sos[3 + (2 * count)] >> 4;
        int pointTransform = sos[3 + (2 * count)] & 0x0F;
        if (predictor is < 1 or > 7)
        {
            throw JpegLosslessDecoder.Corrupt($"The scan selects predictor {predictor}; lossless JPEG predictors are 1 to 7 (T.81 Table H.1).");
        }

        if (successiveHigh != 0 || pointTransform >= header.Precision)
        {
            throw JpegLosslessDecoder.Corrupt($"The scan's point transform is {pointTransform} (Ah {successiveHigh}) for precision {header.Precision}; Pt must be below the precision and Ah zero (T.81 H.1.2).");
        }

        int[] components = new int[count];
        var scanTables = new JpegHuffmanTable[count];
        for (int i = 0; i < count; i++)
        {
            byte id = sos[1 + (2 * i)];
            int tableId = sos[2 + (2 * i)] >> 4;
            scanTables[i] = (tableId < tables.Length ? tables[tableId] : null)
                ?? throw JpegLosslessDecoder.Corrupt($"The scan codes component {id} with Huffman table {tableId}, which no DHT segment defined; the stream is missing its DHT.");
            components[i] = header.Claim(id);
        }

        return new JpegLosslessScan(components, scanTables, predictor, pointTransform, header.Precision);
    }

    /// <summary>Decodes the entropy-coded data at <paramref name="position"/> into <paramref name="output"/>; returns the offset of the next marker.</summary>
    public int Decode(ReadOnlySpan<byte> frame, int position, byte[] output, PixelFrameLayout layout, int restartInterval, CancellationToken cancellationToken)
    {
        int columns = layout.Columns;
        int rowsPerInterval = 0;
        if (restartInterval > 0)
        {
            // An interval that ends mid-line would leave the line-start predictors of H.1.2.1 undefined; libjpeg refuses it too.
            if (restartInterval % columns != 0)
            {
                throw JpegLosslessDecoder.Corrupt($"The restart interval is {restartInterval} samples, not a whole number of {columns}-sample lines; lossless restart intervals must cover whole lines.");
            }

            rowsPerInterval = restartInterval / columns;
        }

        int count = _components.Length;
        int[] previous = new int[count * columns];
        int[] current = new int[count * columns];
        var reader = new JpegBitReader(frame, position);
        bool firstLine = true;
        int rowsToGo = rowsPerInterval;
        int interval = 0;
        for (int y = 0; y < layout.Rows; y++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (rowsPerInterval > 0 && rowsToGo == 0)
            {
                reader.ReadRestart(interval++);
                firstLine = true;
                rowsToGo = rowsPerInterval;
            }

            DecodeRow(ref reader, previous, current, columns, firstLine);
            if (reader.Overran)
            {
                throw JpegBitReader.EndedEarly();
            }

            WriteRow(current, output, layout, y);
            (previous, current) = (current, previous);
            firstLine = false;
            rowsToGo--;
        }

        return reader.FinishScan();
    }

    private void DecodeRow(ref JpegBitReader reader, int[] previous, int[] current, int columns, bool firstLine)
    {
        // Reconstruction is modulo 2^16 (H.1.2.1); a value past the reduced precision cannot come from a valid encoder.
        int initial = 1 << (_precision - _pointTransform - 1);
        int max = (1 << (_precision - _pointTransform)) - 1;
        int count = _components.Length;
        for (int x = 0; x < columns; x++)
        {
            for (int c = 0; c < count; c++)
            {
                int o = (c * columns) + x;
                int prediction = x == 0
                    ? (firstLine ? initial : previous[o])
                    : (firstLine ? current[o - 1] : Predict(current[o - 1], previous[o], previous[o - 1]));
                int value = (prediction + reader.DecodeDifference(_tables[c])) & 0xFFFF;
                if (value > max)
                {
                    throw JpegLosslessDecoder.Corrupt($"A reconstructed sample ({value}) exceeds the {_precision - _pointTransform}-bit range the frame declares; the entropy-coded data is corrupt.");
                }

                current[o] = value;
            }
        }
    }

    private int Predict(int ra, int rb, int rc) => _predictor switch
    {
        1 => ra,
        2 => rb,
        3 => rc,
        4 => ra + rb - rc,
        5 => ra + ((rb - rc) >> 1),
        6 => rb + ((ra - rc) >> 1),
        _ => (ra + rb) >> 1,
    };

    private void WriteRow(int[] current, byte[] output, PixelFrameLayout layout, int y)
    {
        int columns = layout.Columns;
        int samples = layout.SamplesPerPixel;
        int bytes = layout.BytesPerSample;
        for (int c = 0; c < _components.Length; c++)
        {
            ReadOnlySpan<int> line = current.AsSpan(c * columns, columns);
            int index = ((y * columns * samples) + _components[c]) * bytes;
            int step = samples * bytes;
            for (int x = 0; x < columns; x++, index += step)
            {
                int value = line[x] << _pointTransform;
                output[index] = (byte)value;
                if (bytes == 2)
                {
                    output[index + 1] = (byte)(value >> 8);
                }
            }
        }
    }
}
