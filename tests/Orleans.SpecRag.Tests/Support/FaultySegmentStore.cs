using Orleans.SpecRag.Retrieval.Segments;

namespace Orleans.SpecRag.Tests.Support;

/// <summary>
/// Test-only decorator of a segment store that "crashes" at a chosen point: the next manifest write throws
/// after the segment it would reference was stored, as a process killed between the two writes would leave it.
/// </summary>
public sealed class FaultySegmentStore(ISegmentStore inner) : ISegmentStore
{
    public bool CrashBeforeNextRecordWrite { get; set; }

    public long BytesWritten => inner.BytesWritten;

    public Task<StoredRecord?> ReadRecordAsync(string path, CancellationToken cancellationToken = default) => inner.ReadRecordAsync(path, cancellationToken);

    public Task<string> WriteRecordAsync(string path, byte[] content, string? expectedETag, CancellationToken cancellationToken = default)
    {
        if (CrashBeforeNextRecordWrite)
        {
            CrashBeforeNextRecordWrite = false;
            throw new IOException("Simulated crash: the process died before the manifest was written.");
        }

        return inner.WriteRecordAsync(path, content, expectedETag, cancellationToken);
    }

    public Task PutSegmentAsync(string shard, string segmentId, string builtDirectory, CancellationToken cancellationToken = default) =>
        inner.PutSegmentAsync(shard, segmentId, builtDirectory, cancellationToken);

    public Task<string> OpenSegmentAsync(string shard, string segmentId, CancellationToken cancellationToken = default) =>
        inner.OpenSegmentAsync(shard, segmentId, cancellationToken);

    public Task<IReadOnlyList<(string Id, DateTimeOffset StoredAt)>> ListSegmentsAsync(string shard, CancellationToken cancellationToken = default) =>
        inner.ListSegmentsAsync(shard, cancellationToken);

    public Task DeleteSegmentAsync(string shard, string segmentId, CancellationToken cancellationToken = default) =>
        inner.DeleteSegmentAsync(shard, segmentId, cancellationToken);

    public string NewBuildDirectory() => inner.NewBuildDirectory();
}
