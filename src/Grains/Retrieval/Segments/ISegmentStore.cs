namespace Orleans.SpecRag.Retrieval.Segments;

/// <summary>A record read from the store together with the ETag to write it back with.</summary>
public sealed record StoredRecord(byte[] Content, string ETag);

/// <summary>Another writer changed the record since it was read; re-read and try again.</summary>
public sealed class ETagMismatchException(string path)
    : Exception($"The record '{path}' was changed by another writer.");

/// <summary>
/// Where segments and manifests live durably: a local data directory for the embedded default, Azure Blob
/// storage in a cluster. Segments are immutable directories of files, put once and opened from a local copy;
/// records (manifests) are small and written with optimistic concurrency.
/// </summary>
public interface ISegmentStore
{
    /// <summary>The record at <paramref name="path"/>, or null when there is none.</summary>
    Task<StoredRecord?> ReadRecordAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes the record if its ETag is still <paramref name="expectedETag"/> (null: only if it does not exist yet)
    /// and returns the new ETag; throws <see cref="ETagMismatchException"/> otherwise.
    /// </summary>
    Task<string> WriteRecordAsync(string path, byte[] content, string? expectedETag, CancellationToken cancellationToken = default);

    /// <summary>Stores the finished segment built in <paramref name="builtDirectory"/> (which the store may move or copy).</summary>
    Task PutSegmentAsync(string shard, string segmentId, string builtDirectory, CancellationToken cancellationToken = default);

    /// <summary>A local directory holding the segment's files, fetched into the silo's cache first when needed.</summary>
    Task<string> OpenSegmentAsync(string shard, string segmentId, CancellationToken cancellationToken = default);

    /// <summary>The segments stored for the shard, referenced by its manifest or not, with when they were stored.</summary>
    Task<IReadOnlyList<(string Id, DateTimeOffset StoredAt)>> ListSegmentsAsync(string shard, CancellationToken cancellationToken = default);

    Task DeleteSegmentAsync(string shard, string segmentId, CancellationToken cancellationToken = default);

    /// <summary>A fresh local directory to build a segment in, on the same volume as the store's files.</summary>
    string NewBuildDirectory();

    /// <summary>Bytes this store has written since it was created: the figure behind "writes are proportional to the batch".</summary>
    long BytesWritten { get; }
}
