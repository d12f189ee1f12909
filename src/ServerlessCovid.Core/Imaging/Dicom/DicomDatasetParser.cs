namespace ServerlessCovid.Core.Imaging.Dicom;

/// <summary>
/// Walks a dataset (PS3.5 §7) once, keeping only <see cref="DicomTags.IsKept"/> attributes, the pixel data and the
/// first VOI LUT item; every other value, patient attributes included, is stepped over by length and never read.
/// </summary>
/// <remarks>
/// Hostile input: every length is checked against the bytes left, undefined-length sequences and items may nest at
/// most <see cref="MaxDepth"/> deep (each level costs a stack frame), and the budget is checked per element so a
/// file of millions of tiny elements stops at the deadline. <c>strict</c> (datasets without the Part 10 header)
/// also requires tags in ascending order (PS3.5 §7.1), so arbitrary bytes are not mistaken for a dataset.
/// </remarks>
internal ref struct DicomDatasetParser(ReadOnlySpan<byte> data, bool explicitVr, bool strict, DecodeBudget budget)
{
    /// <summary>Real files nest a few levels (a VOI LUT item, a referenced image); 16 leaves wide room.</summary>
    public const int MaxDepth = 16;

    private DicomElementReader _reader = new(data, 0, explicitVr);

    /// <summary>Reads the group 0002 file meta information (always explicit VR LE) and returns where the dataset starts.</summary>
    public static int ReadMeta(ReadOnlySpan<byte> data, int start, DicomDataset meta, DecodeBudget budget)
    {
        DicomElementReader reader = new(data, start, explicitVr: true);
        int end = data.Length;
        while (true)
        {
            int at = reader.Position;

            // Peek the group first: the dataset after the meta group may be implicit VR, which has no VR to read.
            if (end - at < 8 || System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(data[at..]) != 0x0002)
            {
                return at;
            }

            reader.TryReadHeader(end, out DicomElementHeader header);

            budget.Check();
            reader.SkipValue(header, end);
            meta.Keep(header.Tag, new DicomRange(header.ValueOffset, (int)header.Length));
        }
    }

    public DicomDataset Parse(int start)
    {
        DicomDataset dataset = new();
        _reader.Position = start;
        int end = _reader.Data.Length;
        uint previous = 0;
        while (_reader.TryReadHeader(end, out DicomElementHeader header))
        {
            budget.Check();
            if (header.Group == 0xFFFE)
            {
                throw DicomErrors.Corrupt($"an item tag {DicomTags.Format(header.Tag)} appears outside a sequence at byte {header.ValueOffset - 8}");
            }

            if (strict && header.Tag <= previous)
            {
                throw DicomErrors.Corrupt($"element {DicomTags.Format(header.Tag)} is out of order");
            }

            previous = header.Tag;
            if (header.Tag == DicomTags.PixelData)
            {
                ReadPixelData(header, end, dataset);
            }
            else if (IsSequence(header))
            {
                ReadSequence(header, end, depth: 1, header.Tag == DicomTags.VoiLutSequence ? dataset : null);
            }
            else
            {
                _reader.SkipValue(header, end);
                if (DicomTags.IsKept(header.Tag))
                {
                    dataset.Keep(header.Tag, new DicomRange(header.ValueOffset, (int)header.Length));
                }
            }
        }

        return dataset;
    }

    /// <summary>In implicit VR only an undefined length (or the one sequence we read) says "sequence".</summary>
    private readonly bool IsSequence(in DicomElementHeader header) =>
        header.Vr == DicomElementReader.SQ
        || (!_reader.ExplicitVr && (header.IsUndefinedLength || header.Tag == DicomTags.VoiLutSequence));

    /// <summary>Walks a sequence's items; <paramref name="lut"/> receives the first item's LUT attributes.</summary>
    private void ReadSequence(in DicomElementHeader sequence, int end, int depth, DicomDataset? lut)
    {
        CheckDepth(sequence.Tag, depth);
        int sequenceEnd = end;
        if (!sequence.IsUndefinedLength)
        {
            sequenceEnd = _reader.SkipValue(sequence, end);
            _reader.Position = sequence.ValueOffset;
        }

        bool first = true;
        while (_reader.TryReadHeader(sequenceEnd, out DicomElementHeader item))
        {
            budget.Check();
            if (item.Tag == DicomTags.SequenceDelimitation && sequence.IsUndefinedLength)
            {
                return;
            }

            if (item.Tag != DicomTags.Item)
            {
                throw DicomErrors.Corrupt($"sequence {DicomTags.Format(sequence.Tag)} holds {DicomTags.Format(item.Tag)} where an item belongs");
            }

            ReadItem(item, sequenceEnd, depth + 1, first ? lut : null);
            first = false;
        }

        if (sequence.IsUndefinedLength)
        {
            throw DicomErrors.Corrupt($"sequence {DicomTags.Format(sequence.Tag)} has no end (no sequence delimiter before the end of the file)");
        }
    }

    private void ReadItem(in DicomElementHeader item, int end, int depth, DicomDataset? lut)
    {
        CheckDepth(item.Tag, depth);
        int itemEnd = end;
        if (!item.IsUndefinedLength)
        {
            itemEnd = _reader.SkipValue(item, end);
            _reader.Position = item.ValueOffset;
        }

        while (_reader.TryReadHeader(itemEnd, out DicomElementHeader element))
        {
            budget.Check();
            if (element.Tag == DicomTags.ItemDelimitation && item.IsUndefinedLength)
            {
                return;
            }

            if (element.Tag == DicomTags.PixelData && element.IsUndefinedLength)
            {
                ReadPixelData(element, itemEnd, new DicomDataset()); // an icon's encapsulated pixels: walked, not kept
                continue;
            }

            if (IsSequence(element))
            {
                ReadSequence(element, itemEnd, depth + 1, null);
                continue;
            }

            _reader.SkipValue(element, itemEnd);
            if (lut is not null && element.Tag == DicomTags.LutDescriptor)
            {
                lut.LutDescriptor = new DicomRange(element.ValueOffset, (int)element.Length);
            }
            else if (lut is not null && element.Tag == DicomTags.LutData)
            {
                lut.LutData = new DicomRange(element.ValueOffset, (int)element.Length);
            }
        }

        if (item.IsUndefinedLength)
        {
            throw DicomErrors.Corrupt("an item has no end (no item delimiter before the end of the file)");
        }
    }

    private void ReadPixelData(in DicomElementHeader header, int end, DicomDataset dataset)
    {
        if (!header.IsUndefinedLength)
        {
            _reader.SkipValue(header, end);
            dataset.NativePixelData = new DicomRange(header.ValueOffset, (int)header.Length);
            return;
        }

        // Encapsulated (PS3.5 A.4): items of defined length, the basic offset table first, then a sequence delimiter.
        List<DicomRange> items = [];
        List<int> starts = [];
        while (true)
        {
            int at = _reader.Position;
            if (!_reader.TryReadHeader(end, out DicomElementHeader item))
            {
                throw DicomErrors.Corrupt("the encapsulated pixel data has no sequence delimiter; the file is truncated");
            }

            budget.Check();
            if (item.Tag == DicomTags.SequenceDelimitation)
            {
                break;
            }

            if (item.Tag != DicomTags.Item || item.IsUndefinedLength)
            {
                throw DicomErrors.Corrupt($"the encapsulated pixel data holds {DicomTags.Format(item.Tag)} where a fragment item belongs");
            }

            _reader.SkipValue(item, end);
            items.Add(new DicomRange(item.ValueOffset, (int)item.Length));
            starts.Add(at);
        }

        dataset.PixelItems = items;
        dataset.PixelItemStarts = starts;
    }

    private static void CheckDepth(uint tag, int depth)
    {
        if (depth > MaxDepth)
        {
            throw DicomErrors.Corrupt($"sequences nest more than {MaxDepth} deep at {DicomTags.Format(tag)}");
        }
    }
}
