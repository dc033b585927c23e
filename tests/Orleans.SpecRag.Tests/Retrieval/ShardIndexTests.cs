using Microsoft.Extensions.Logging.Abstractions;
using Orleans.SpecRag.Retrieval.Dense;
using Orleans.SpecRag.Retrieval.Segments;
using Orleans.SpecRag.Tests.Support;

namespace Orleans.SpecRag.Tests.Retrieval;

/// <summary>The segment store of one shard on a real data directory: writes, deletes, compaction, crashes, concurrency.</summary>
public sealed class ShardIndexTests : IDisposable
{
    private const string Shard = "tests/0";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "specrag-tests", "shard-" + Guid.NewGuid().ToString("N"));
    private readonly ClusteredVectors _vectors = new();
    private readonly AnnOptions _exactOnly = new() { MinPassages = int.MaxValue };

    private Task<ShardIndex> OpenAsync(ISegmentStore? store = null, AnnOptions? ann = null) =>
        ShardIndex.OpenAsync(store ?? new LocalSegmentStore(_root), Shard, ann ?? _exactOnly, NullLogger.Instance);

    private Task AddAsync(ShardIndex index, IEnumerable<SegmentDocument> documents) =>
        index.AddAsync(documents.ToArray(), "test-model", _vectors.Dimensions);

    private ShardSearch Dense(int key, int depth = 10) => new("", _vectors.Vector(key), depth, RetrievalMode.Dense);

    private static HashSet<string> LiveDocuments(ShardIndex index)
    {
        using var lease = index.Acquire();
        return lease.View.Segments.SelectMany(s => lease.View.LiveDocuments(s.Id)).Select(d => d.Document.Id).ToHashSet();
    }

    [Fact]
    public async Task What_was_added_is_found_and_survives_reopening()
    {
        await using (var index = await OpenAsync())
        {
            await AddAsync(index, Enumerable.Range(0, 50).Select(i => _vectors.Document(i)));
            await AddAsync(index, Enumerable.Range(50, 10).Select(i => _vectors.Document(i)));
            Assert.Equal("doc-7#1", index.Search(new ShardSearch("", _vectors.Vector(700), 1, RetrievalMode.Dense)).Dense[0].PassageId);
        }

        await using var reopened = await OpenAsync();
        using var lease = reopened.Acquire();
        Assert.Equal(2, lease.View.Segments.Count);
        Assert.Equal(60, lease.View.Documents);
        var passage = Assert.Single(reopened.GetPassages(["doc-55#1"]));
        Assert.Equal("Passage 0 of document 55 mentions token55.", passage.Text);
        Assert.Equal(_vectors.Vector(5500), passage.Embedding);
    }

    [Fact]
    public async Task A_replaced_or_deleted_document_is_never_returned_again()
    {
        await using var index = await OpenAsync();
        await AddAsync(index, Enumerable.Range(0, 20).Select(i => _vectors.Document(i)));
        await AddAsync(index, [_vectors.Document(3, text: "The replacement text about zebras.")]);
        Assert.True(await index.DeleteAsync("doc-4"));
        Assert.False(await index.DeleteAsync("doc-4"));

        var hits = index.Search(new ShardSearch("zebras token3 token4", _vectors.Vector(300), 20, RetrievalMode.Hybrid));
        Assert.DoesNotContain(hits.Dense.Concat(hits.Lexical), h => h.DocumentId == "doc-4");
        Assert.Single(hits.Dense, h => h.DocumentId == "doc-3");
        Assert.Equal("doc-3#1", hits.Lexical[0].PassageId); // only the replacement mentions zebras; token3 is gone
        Assert.Equal("The replacement text about zebras.", index.GetPassages(["doc-3#1"])[0].Text);
        Assert.Empty(index.GetPassages(["doc-4#1"]));
        Assert.Equal(19, LiveDocuments(index).Count);
    }

    [Fact]
    public async Task Bytes_written_by_one_ingestion_are_proportional_to_the_batch_not_the_shard()
    {
        var store = new LocalSegmentStore(_root);
        await using var index = await OpenAsync(store);
        await AddAsync(index, Enumerable.Range(0, 2000).Select(i => _vectors.Document(i)));
        var bulk = store.BytesWritten;

        var before = store.BytesWritten;
        await AddAsync(index, [_vectors.Document(5000)]);
        var single = store.BytesWritten - before;

        before = store.BytesWritten;
        await AddAsync(index, [_vectors.Document(5001)]);
        Assert.InRange(store.BytesWritten - before, single / 2, single * 2); // the same again: independent of size
        Assert.True(single < bulk / 50, $"one document wrote {single} bytes, 2,000 wrote {bulk}");
    }

    [Fact]
    public async Task Approximate_search_with_rescoring_agrees_with_the_exact_scan()
    {
        var ann = new AnnOptions { MinPassages = 100 };
        await using var approximate = await OpenAsync(ann: ann);
        await AddAsync(approximate, Enumerable.Range(0, 3000).Select(i => _vectors.Document(i)));
        using (var lease = approximate.Acquire())
        {
            Assert.NotNull(Assert.Single(lease.View.Segments).Ann);
        }

        var exact = await ShardIndex.OpenAsync(new LocalSegmentStore(_root), Shard, _exactOnly, NullLogger.Instance); // same files, scanned
        var agreed = 0;
        const int queries = 50;
        for (var q = 0; q < queries; q++)
        {
            var query = new ShardSearch("", _vectors.Vector(1_000_000 + q), 10, RetrievalMode.Dense);
            var truth = exact.Search(query).Dense.Select(h => h.PassageId).ToHashSet();
            agreed += approximate.Search(query).Dense.Count(h => truth.Contains(h.PassageId));
        }

        Assert.True(agreed >= queries * 10 * 0.95, $"recall@10 {agreed / (queries * 10.0):F3}");
        await exact.DisposeAsync();
    }

    [Fact]
    public async Task Compaction_merges_small_segments_drops_deleted_passages_and_keeps_every_answer()
    {
        var store = new LocalSegmentStore(_root);
        await using var index = await OpenAsync(store);
        for (var batch = 0; batch < 6; batch++)
        {
            await AddAsync(index, Enumerable.Range(batch * 10, 10).Select(i => _vectors.Document(i, passages: 2)));
        }

        await index.DeleteAsync("doc-11");
        await AddAsync(index, [_vectors.Document(12, text: "Replaced.")]);
        var before = Enumerable.Range(0, 20).Select(q => index.Search(Dense(9000 + q)).Dense).ToArray();

        var result = await index.CompactAsync(new CompactionOptions { SegmentsPerTier = 4 });

        Assert.Equal(7, result.SegmentsMerged);
        Assert.Equal(1, result.SegmentsWritten);
        Assert.Equal(4, result.PassagesDropped); // doc-11's two and doc-12's old two
        using (var lease = index.Acquire())
        {
            var segment = Assert.Single(lease.View.Manifest.Segments);
            Assert.Equal(0, segment.DeletedPassages);
            Assert.Equal(117, segment.Passages);
        }

        Assert.Equal(before, Enumerable.Range(0, 20).Select(q => index.Search(Dense(9000 + q)).Dense).ToArray());
        Assert.Single(await store.ListSegmentsAsync(Shard)); // the sources' files are gone
        Assert.Equal(59, LiveDocuments(index).Count);
    }

    [Fact]
    public async Task A_crash_between_the_segment_and_the_manifest_loses_nothing_acknowledged_and_shows_nothing_half_written()
    {
        var faulty = new FaultySegmentStore(new LocalSegmentStore(_root));
        var crashed = await OpenAsync(faulty);
        await AddAsync(crashed, Enumerable.Range(0, 10).Select(i => _vectors.Document(i)));

        faulty.CrashBeforeNextRecordWrite = true;
        await Assert.ThrowsAsync<IOException>(() => AddAsync(crashed, Enumerable.Range(10, 10).Select(i => _vectors.Document(i))));
        // The "process" is gone: the index is abandoned without disposing, as a killed process leaves it.

        var store = new LocalSegmentStore(_root);
        await using var restarted = await OpenAsync(store);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"doc-{i}").ToHashSet(), LiveDocuments(restarted));
        Assert.DoesNotContain(restarted.Search(Dense(1500, 50)).Dense, h => h.DocumentId == "doc-15");
        Assert.Equal(2, (await store.ListSegmentsAsync(Shard)).Count); // the orphan is on disk, invisible

        // Once it is older than any commit in flight could be, the next opening deletes it.
        string orphan;
        using (var lease = restarted.Acquire())
        {
            orphan = (await store.ListSegmentsAsync(Shard)).Select(s => s.Id).Except(lease.View.Manifest.Segments.Select(s => s.Id)).Single();
        }

        Directory.SetLastWriteTimeUtc(Path.Combine(_root, "shards", "tests", "0", "segments", orphan), DateTime.UtcNow - ShardIndex.OrphanAge - TimeSpan.FromMinutes(1));
        await using var again = await OpenAsync(store);
        Assert.Single(await store.ListSegmentsAsync(Shard));
    }

    [Fact]
    public async Task A_crash_before_a_compaction_commits_leaves_every_document_exactly_once()
    {
        var faulty = new FaultySegmentStore(new LocalSegmentStore(_root));
        var crashed = await OpenAsync(faulty);
        for (var batch = 0; batch < 4; batch++)
        {
            await AddAsync(crashed, Enumerable.Range(batch * 5, 5).Select(i => _vectors.Document(i)));
        }

        faulty.CrashBeforeNextRecordWrite = true;
        await Assert.ThrowsAsync<IOException>(() => crashed.CompactAsync(new CompactionOptions()));

        var store = new LocalSegmentStore(_root);
        await using var restarted = await OpenAsync(store);
        using var lease = restarted.Acquire();
        Assert.Equal(4, lease.View.Segments.Count);
        Assert.Equal(5, (await store.ListSegmentsAsync(Shard)).Count); // the merged segment: stored, never referenced
        var passages = restarted.Search(Dense(0, 100)).Dense;
        Assert.Equal(20, passages.Count);
        Assert.Equal(20, passages.Select(p => p.PassageId).Distinct().Count());
    }

    [Fact]
    public async Task A_reader_holding_an_old_view_keeps_its_segments_open_across_an_ingestion_and_a_compaction()
    {
        await using var index = await OpenAsync();
        for (var batch = 0; batch < 4; batch++)
        {
            await AddAsync(index, Enumerable.Range(batch * 5, 5).Select(i => _vectors.Document(i)));
        }

        using var old = index.Acquire();
        await AddAsync(index, [_vectors.Document(100)]);
        var result = await index.CompactAsync(new CompactionOptions { SegmentsPerTier = 4 });
        Assert.Equal(5, result.SegmentsMerged); // every segment the old view lists is gone from the shard

        var segment = old.View.Segments[0];
        var nearest = segment.Vectors.Scan(_vectors.Vector(0), 1);
        Assert.Equal(0, nearest[0].Ordinal);
        Assert.Equal("doc-0#1", segment.ReadPassage(0).Id);
        Assert.NotNull(segment.Lexical.Document(0));
        using var current = index.Acquire();
        Assert.Single(current.View.Segments);
    }

    [Fact]
    public async Task Two_writers_on_one_manifest_never_lose_each_others_segments()
    {
        await using var first = await OpenAsync();
        await using var second = await OpenAsync();
        await AddAsync(first, [_vectors.Document(1)]);
        await AddAsync(second, [_vectors.Document(2)]); // its view is stale: the ETag check makes it reload and retry
        await AddAsync(first, [_vectors.Document(3)]);

        await using var reopened = await OpenAsync();
        Assert.Equal(new HashSet<string> { "doc-1", "doc-2", "doc-3" }, LiveDocuments(reopened));
    }

    [Fact]
    public async Task Searches_keep_answering_during_ingestion_and_compaction_and_never_see_a_passage_twice()
    {
        await using var index = await OpenAsync();
        await AddAsync(index, Enumerable.Range(0, 40).Select(i => _vectors.Document(i)));
        using var stop = new CancellationTokenSource();
        var failures = new List<string>();
        var searches = 0;
        var readers = Enumerable.Range(0, 2).Select(r => Task.Run(() =>
        {
            var q = 0;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var hits = index.Search(new ShardSearch("token1 token2 passage", _vectors.Vector(q++ % 500), 1000, RetrievalMode.Hybrid));
                    foreach (var list in new[] { hits.Dense, hits.Lexical })
                    {
                        if (list.Select(h => h.PassageId).Distinct().Count() != list.Count)
                        {
                            lock (failures) { failures.Add("a passage appeared twice"); }
                        }
                    }

                    if (hits.Dense.Count < 40)
                    {
                        lock (failures) { failures.Add($"only {hits.Dense.Count} passages visible"); }
                    }

                    index.GetPassages(hits.Dense.Take(5).Select(h => h.PassageId).ToArray());
                    Interlocked.Increment(ref searches);
                }
                catch (Exception e)
                {
                    lock (failures) { failures.Add(e.ToString()); }
                }
            }
        })).ToArray();

        // Each step waits until a search has completed since the last one, so searches interleave with every ingestion and
        // compaction however the two cores schedule the readers (a thread-pool stall once let the writer finish first).
        async Task SearchesGoOn()
        {
            var seen = Volatile.Read(ref searches);
            // (A reader whose searches fail records it and counts none: the test then fails on the failures, not by hanging.)
            while (Volatile.Read(ref searches) == seen && !readers.Any(r => r.IsCompleted) && Volatile.Read(ref failures).Count == 0)
            {
                await Task.Delay(1);
            }
        }

        for (var batch = 0; batch < 12; batch++)
        {
            await SearchesGoOn();
            await AddAsync(index, Enumerable.Range(40 + (batch * 5), 5).Select(i => _vectors.Document(i)));
            await AddAsync(index, [_vectors.Document(batch, text: $"Rewritten {batch}.")]); // replaces an early document
            if (batch % 3 == 2)
            {
                await index.CompactAsync(new CompactionOptions { SegmentsPerTier = 3 });
            }
        }

        await SearchesGoOn();
        stop.Cancel();
        await Task.WhenAll(readers);
        Assert.Empty(failures);
        Assert.True(searches > 10, $"only {searches} searches ran");
        Assert.Equal(100, LiveDocuments(index).Count);
        Assert.Equal(100, index.Search(Dense(0, 1000)).Dense.Count);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
