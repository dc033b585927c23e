using System.Text;
using System.Text.Json;

namespace Orleans.SpecRag.Retrieval.Segments;

/// <summary>
/// The files of one segment directory. Everything is written once and never changed:
/// <list type="bullet">
/// <item><c>documents.bin</c>: the document table (id, title, metadata, content hash, passage range);</item>
/// <item><c>passages.bin</c>: an offset table, then each passage's id and text, read one passage at a time;</item>
/// <item><c>vectors.f32</c>: passages × dimensions little-endian floats, memory-mapped for exact scans and rescoring;</item>
/// <item><c>ann.usearch</c>: an int8 HNSW graph (USearch), only in segments large enough for it to beat a scan;</item>
/// <item><c>lexical/</c>: a Lucene.Net index of the passage texts for BM25;</item>
/// <item><c>segment.json</c>: the segment's description, written last.</item>
/// </list>
/// </summary>
public static class SegmentFiles
{
    public const string Info = "segment.json";
    public const string Documents = "documents.bin";
    public const string Passages = "passages.bin";
    public const string Vectors = "vectors.f32";
    public const string Ann = "ann.usearch";
    public const string Lexical = "lexical";

    private const int DocumentsMagic = 0x31445253; // "SRD1"
    private const int PassagesMagic = 0x31505253;  // "SRP1"

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    public static void WriteDocuments(string path, IReadOnlyList<SegmentDocument> documents)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        using var writer = new BinaryWriter(stream, Encoding.UTF8);
        writer.Write(DocumentsMagic);
        writer.Write(documents.Count);
        var first = 0;
        foreach (var document in documents)
        {
            writer.Write(document.Id);
            writer.Write(document.Title is not null);
            writer.Write(document.Title ?? string.Empty);
            writer.Write(document.ContentHash);
            writer.Write(document.Metadata?.Count ?? 0);
            foreach (var (key, value) in document.Metadata ?? new Dictionary<string, string>())
            {
                writer.Write(key);
                writer.Write(value);
            }

            writer.Write(first);
            writer.Write(document.Passages.Count);
            first += document.Passages.Count;
        }

        writer.Flush();
        stream.Flush(flushToDisk: true);
    }

    public static SegmentDocumentEntry[] ReadDocuments(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        if (reader.ReadInt32() != DocumentsMagic)
        {
            throw new InvalidDataException($"{path} is not a segment document table.");
        }

        var entries = new SegmentDocumentEntry[reader.ReadInt32()];
        for (var i = 0; i < entries.Length; i++)
        {
            var id = reader.ReadString();
            var hasTitle = reader.ReadBoolean();
            var title = reader.ReadString();
            var hash = reader.ReadString();
            var metadataCount = reader.ReadInt32();
            Dictionary<string, string>? metadata = metadataCount > 0 ? new(metadataCount, StringComparer.Ordinal) : null;
            for (var m = 0; m < metadataCount; m++)
            {
                metadata![reader.ReadString()] = reader.ReadString();
            }

            entries[i] = new SegmentDocumentEntry(id, hasTitle ? title : null, metadata, hash, reader.ReadInt32(), reader.ReadInt32());
        }

        return entries;
    }

    /// <summary>Writes the passages' ids and texts after a table of their offsets, so one passage is one positional read.</summary>
    public static void WritePassages(string path, IReadOnlyList<(string Id, string Text)> passages)
    {
        var records = new MemoryStream();
        var offsets = new long[passages.Count + 1];
        using (var recordWriter = new BinaryWriter(records, Encoding.UTF8, leaveOpen: true))
        {
            for (var i = 0; i < passages.Count; i++)
            {
                offsets[i] = records.Position;
                recordWriter.Write(passages[i].Id);
                recordWriter.Write(passages[i].Text);
            }

            offsets[^1] = records.Position;
        }

        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        using var writer = new BinaryWriter(stream, Encoding.UTF8);
        writer.Write(PassagesMagic);
        writer.Write(passages.Count);
        var header = PassagesHeaderBytes(passages.Count);
        foreach (var offset in offsets)
        {
            writer.Write(header + offset);
        }

        writer.Flush();
        records.Position = 0;
        records.CopyTo(stream);
        stream.Flush(flushToDisk: true);
    }

    internal static long PassagesHeaderBytes(int count) => 8 + ((count + 1) * 8L);

    internal static int ReadPassagesHeader(Microsoft.Win32.SafeHandles.SafeFileHandle file, string path)
    {
        Span<byte> header = stackalloc byte[8];
        RandomAccess.Read(file, header, 0);
        if (BitConverter.ToInt32(header) != PassagesMagic)
        {
            throw new InvalidDataException($"{path} is not a segment passage file.");
        }

        return BitConverter.ToInt32(header[4..]);
    }

    internal static (string Id, string Text) ReadPassage(Microsoft.Win32.SafeHandles.SafeFileHandle file, int ordinal)
    {
        Span<byte> range = stackalloc byte[16];
        RandomAccess.Read(file, range, 8 + (ordinal * 8L));
        var start = BitConverter.ToInt64(range);
        var end = BitConverter.ToInt64(range[8..]);
        var bytes = new byte[end - start];
        RandomAccess.Read(file, bytes, start);
        using var reader = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        return (reader.ReadString(), reader.ReadString());
    }

    public static void WriteVectors(string path, IEnumerable<float[]> vectors, int dimensions)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        foreach (var vector in vectors)
        {
            if (vector.Length != dimensions)
            {
                throw new ArgumentException($"A vector has {vector.Length} dimensions, the segment {dimensions}.");
            }

            stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vector.AsSpan()));
        }

        stream.Flush(flushToDisk: true);
    }

    public static void WriteInfo(string path, SegmentInfo info)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        JsonSerializer.Serialize(stream, info, Json);
        stream.Flush(flushToDisk: true);
    }

    public static SegmentInfo ReadInfo(string path) =>
        JsonSerializer.Deserialize<SegmentInfo>(File.ReadAllBytes(path), Json) ?? throw new InvalidDataException($"{path} is empty.");
}
