using System.Collections.Concurrent;

namespace Orleans.SpecRag.Retrieval.Segments;

/// <summary>
/// Segments and manifests in a local directory (<c>SpecRag:DataPath</c>): the embedded default's storage, so
/// collections survive a restart. A segment is built in <c>staging/</c> and renamed into place (atomic on one
/// volume); a record is written to a temporary file, flushed and renamed over the old one, its ETag a version
/// number kept inside the file's name-independent content header.
/// </summary>
public sealed class LocalSegmentStore : ISegmentStore
{
    private readonly string _root;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _recordLocks = new(StringComparer.Ordinal);
    private long _bytesWritten;

    public LocalSegmentStore(string root)
    {
        _root = Path.GetFullPath(root);
        Directory.CreateDirectory(Path.Combine(_root, "staging"));
        foreach (var abandoned in Directory.EnumerateDirectories(Path.Combine(_root, "staging")))
        {
            // A build a crash interrupted: never referenced by any manifest, safe to drop.
            if (Directory.GetLastWriteTimeUtc(abandoned) < DateTime.UtcNow.AddHours(-1))
            {
                TryDelete(abandoned);
            }
        }
    }

    public string Root => _root;

    public long BytesWritten => Interlocked.Read(ref _bytesWritten);

    public async Task<StoredRecord?> ReadRecordAsync(string path, CancellationToken cancellationToken = default)
    {
        var file = RecordPath(path);
        if (!File.Exists(file))
        {
            return null;
        }

        var bytes = await File.ReadAllBytesAsync(file, cancellationToken);
        var (version, content) = Unwrap(bytes);
        return new StoredRecord(content, version.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public async Task<string> WriteRecordAsync(string path, byte[] content, string? expectedETag, CancellationToken cancellationToken = default)
    {
        var file = RecordPath(path);
        var gate = _recordLocks.GetOrAdd(file, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            // Another process (or store) on the same data directory is kept out by an exclusive lock on a lock file.
            await using var processLock = await LockAsync(file + ".lock", cancellationToken);
            long current = -1;
            if (File.Exists(file))
            {
                current = Unwrap(await File.ReadAllBytesAsync(file, cancellationToken)).Version;
            }

            var expected = expectedETag is null ? -1 : long.Parse(expectedETag, System.Globalization.CultureInfo.InvariantCulture);
            if (current != expected)
            {
                throw new ETagMismatchException(path);
            }

            var next = current + 1;
            var temporary = $"{file}.{Guid.NewGuid():N}.tmp";
            var wrapped = Wrap(next, content);
            await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                await stream.WriteAsync(wrapped, cancellationToken);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, file, overwrite: true);
            Interlocked.Add(ref _bytesWritten, wrapped.Length);
            return next.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Deletes a record (when it exists).</summary>
    public async Task DeleteRecordAsync(string path, CancellationToken cancellationToken = default)
    {
        var file = RecordPath(path);
        var gate = _recordLocks.GetOrAdd(file, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            File.Delete(file);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// An exclusive lock on <paramref name="path"/>. On Unix an exclusive open is a non-blocking flock, so a busy lock
    /// is retried until it is free. The file is kept: deleting it would let a second writer lock a fresh one.
    /// </summary>
    private static async Task<FileStream> LockAsync(string path, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1);
            }
            catch (IOException) when (attempt < 2000)
            {
                await Task.Delay(5, cancellationToken);
            }
        }
    }

    public Task PutSegmentAsync(string shard, string segmentId, string builtDirectory, CancellationToken cancellationToken = default)
    {
        var target = SegmentPath(shard, segmentId);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var bytes = new DirectoryInfo(builtDirectory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        Directory.Move(builtDirectory, target);
        Interlocked.Add(ref _bytesWritten, bytes);
        return Task.CompletedTask;
    }

    public Task<string> OpenSegmentAsync(string shard, string segmentId, CancellationToken cancellationToken = default)
    {
        var directory = SegmentPath(shard, segmentId);
        return File.Exists(Path.Combine(directory, SegmentFiles.Info))
            ? Task.FromResult(directory)
            : throw new FileNotFoundException($"Segment {segmentId} of shard {shard} is missing from {_root}.", directory);
    }

    public Task<IReadOnlyList<(string Id, DateTimeOffset StoredAt)>> ListSegmentsAsync(string shard, CancellationToken cancellationToken = default)
    {
        var directory = Path.Combine(ShardPath(shard), "segments");
        IReadOnlyList<(string, DateTimeOffset)> segments = Directory.Exists(directory)
            ? Directory.EnumerateDirectories(directory).Select(d => (Path.GetFileName(d), new DateTimeOffset(Directory.GetLastWriteTimeUtc(d), TimeSpan.Zero))).ToArray()
            : [];
        return Task.FromResult(segments);
    }

    public Task DeleteSegmentAsync(string shard, string segmentId, CancellationToken cancellationToken = default)
    {
        TryDelete(SegmentPath(shard, segmentId));
        return Task.CompletedTask;
    }

    public string NewBuildDirectory() => Path.Combine(_root, "staging", Guid.NewGuid().ToString("N"));

    private string ShardPath(string shard) => Path.Combine(_root, "shards", Safe(shard));

    private string SegmentPath(string shard, string segmentId) => Path.Combine(ShardPath(shard), "segments", Safe(segmentId));

    private string RecordPath(string path) => Path.Combine(_root, "records", Safe(path) + ".json");

    // Keys are collection names, shard numbers and generated ids; '/' separates levels and nothing may climb out.
    internal static string Safe(string key)
    {
        var parts = key.Split('/');
        if (parts.Any(p => p.Length == 0 || p is "." or ".." || p.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0))
        {
            throw new ArgumentException($"'{key}' is not a valid storage key.", nameof(key));
        }

        return Path.Combine(parts);
    }

    private static byte[] Wrap(long version, byte[] content)
    {
        var wrapped = new byte[8 + content.Length];
        BitConverter.TryWriteBytes(wrapped, version);
        content.CopyTo(wrapped, 8);
        return wrapped;
    }

    private static (long Version, byte[] Content) Unwrap(byte[] bytes) =>
        bytes.Length >= 8 ? (BitConverter.ToInt64(bytes), bytes[8..]) : throw new InvalidDataException("A record file is truncated.");

    internal static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
