using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Orleans.SpecRag.Gateway.Files;

/// <summary>What happened to one uploaded file.</summary>
public sealed record FileOutcome(string Name, long Bytes, string Status, int Documents, int Passages, string? Error)
{
    /// <summary>Documents of an earlier upload of this file that it no longer has (pages or sections), removed.</summary>
    public int Removed { get; init; }

    public const string Pending = "pending";
    public const string Ingested = "ingested";
    public const string Failed = "failed";
}

/// <summary>A file ingestion job as clients see it.</summary>
public sealed record IngestionJob(
    string Id,
    string Collection,
    string Status,
    int FilesTotal,
    int FilesDone,
    int DocumentsIngested,
    int PassagesIngested,
    IReadOnlyList<FileOutcome> Files,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt)
{
    public const string Running = "running";
    public const string Completed = "completed";
}

/// <summary>
/// The file ingestion jobs of this gateway. A job lives in the gateway's memory for <see cref="Retention"/> after it
/// ends (what it ingested lives on in the collection); watchers get a snapshot on every change.
/// </summary>
public sealed class IngestionJobs(TimeProvider time)
{
    public static readonly TimeSpan Retention = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<string, Entry> _jobs = new(StringComparer.Ordinal);

    public Entry Start(string collection, IReadOnlyList<FileOutcome> files)
    {
        Prune();
        var entry = new Entry(new IngestionJob(Guid.NewGuid().ToString("N"), collection, IngestionJob.Running, files.Count, 0, 0, 0, files, time.GetUtcNow(), null));
        _jobs[entry.Current.Id] = entry;
        return entry;
    }

    public Entry? Find(string collection, string id) =>
        _jobs.TryGetValue(id, out var entry) && entry.Current.Collection == collection ? entry : null;

    private void Prune()
    {
        var cutoff = time.GetUtcNow() - Retention;
        foreach (var (id, entry) in _jobs)
        {
            if (entry.Current.CompletedAt < cutoff)
            {
                _jobs.TryRemove(id, out _);
            }
        }
    }

    /// <summary>One job: its current snapshot and the watchers waiting for the next.</summary>
    public sealed class Entry(IngestionJob initial)
    {
        private readonly Lock _gate = new();
        private readonly List<Channel<IngestionJob>> _watchers = [];
        private readonly TaskCompletionSource<IngestionJob> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IngestionJob Current { get; private set; } = initial;

        public Task<IngestionJob> Completion => _done.Task;

        public void Update(Func<IngestionJob, IngestionJob> change)
        {
            Channel<IngestionJob>[] watchers;
            IngestionJob next;
            lock (_gate)
            {
                next = Current = change(Current);
                watchers = [.. _watchers];
            }

            foreach (var watcher in watchers)
            {
                watcher.Writer.TryWrite(next);
                if (next.Status != IngestionJob.Running)
                {
                    watcher.Writer.TryComplete();
                }
            }

            if (next.Status != IngestionJob.Running)
            {
                _done.TrySetResult(next);
            }
        }

        /// <summary>The current snapshot, then every change until the job ends.</summary>
        public async IAsyncEnumerable<IngestionJob> WatchAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var channel = Channel.CreateUnbounded<IngestionJob>();
            IngestionJob first;
            lock (_gate)
            {
                first = Current;
                if (first.Status == IngestionJob.Running)
                {
                    _watchers.Add(channel);
                }
            }

            yield return first;
            if (first.Status != IngestionJob.Running)
            {
                yield break;
            }

            try
            {
                await foreach (var update in channel.Reader.ReadAllAsync(cancellationToken))
                {
                    yield return update;
                }
            }
            finally
            {
                lock (_gate)
                {
                    _watchers.Remove(channel);
                }
            }
        }
    }
}
