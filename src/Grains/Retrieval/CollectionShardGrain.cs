using System.Security.Cryptography;
using System.Text;
using Orleans.SpecRag.Models;
using Orleans.SpecRag.Text;

using Orleans.SpecRag.Placement;

namespace Orleans.SpecRag.Retrieval;

/// <summary>
/// One shard of a collection (key <c>{collection}/{shard}</c>): its documents split into passages, embedded
/// once at ingestion, searched by cosine similarity. Each shard is its own storage record, so ingesting a
/// document rewrites only its shard, and shards embed and search in parallel on whichever silos host them.
/// </summary>
/// <remarks>
/// Writes (upsert, delete) run one at a time. Reads are always-interleaved (see <see cref="ICollectionShardGrain"/>):
/// they are synchronous scans of an immutable index, so they can run between the turns of a long ingestion
/// (whose embedding awaits off the scheduler) and queries are never stuck behind an ingestion.
/// </remarks>
[AvoidDrafterSilos]
public sealed class CollectionShardGrain(
    [PersistentState("shard", SpecRagStorage.Name)] IPersistentState<CollectionState> state,
    IEmbedder embedder,
    ILogger<CollectionShardGrain> logger) : Grain, ICollectionShardGrain
{
    private VectorIndex<(StoredDocument Document, StoredPassage Passage)>? _index;

    private string Name => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        RebuildIndex();
        return Task.CompletedTask;
    }

    public async Task<IngestResult> UpsertAsync(IReadOnlyList<IngestDocument> documents)
    {
        var added = 0;
        var updated = 0;
        var changed = new List<(IngestDocument Document, string Hash, IReadOnlyList<string> Chunks)>();
        foreach (var document in documents)
        {
            var hash = ContentHash(document);
            if (state.State.Documents.TryGetValue(document.Id, out var existing))
            {
                updated++;
                if (existing.ContentHash == hash && state.State.EmbeddingModel == embedder.ModelName)
                {
                    continue; // Same content: keep the stored embeddings instead of paying for them again.
                }
            }
            else
            {
                added++;
            }

            changed.Add((document, hash, TextChunker.Chunk(document.Text)));
        }

        var texts = changed.SelectMany(c => c.Chunks.Select(chunk => PassageText(c.Document.Title, chunk))).ToArray();
        var vectors = await embedder.EmbedAsync(texts);

        var next = 0;
        foreach (var (document, hash, chunks) in changed)
        {
            var passages = chunks.Select((chunk, i) => new StoredPassage($"{document.Id}#{i + 1}", chunk, vectors[next + i])).ToArray();
            next += chunks.Count;
            state.State.Documents[document.Id] = new StoredDocument(document.Id, document.Title, document.Metadata, hash, passages);
        }

        state.State.Created = true;
        state.State.EmbeddingModel = embedder.ModelName;
        RebuildIndex();
        await state.WriteStateAsync();

        logger.LogInformation("Collection {Collection}: {Added} added, {Updated} updated, {Embedded} passages embedded",
            Name, added, updated, texts.Length);
        var passageCount = documents.Select(d => d.Id).Distinct().Sum(id => state.State.Documents[id].Passages.Count);
        return new IngestResult(Name, added, updated, passageCount);
    }

    public async Task<bool> DeleteDocumentAsync(string documentId)
    {
        if (!state.State.Documents.Remove(documentId))
        {
            return false;
        }

        RebuildIndex();
        await state.WriteStateAsync();
        return true;
    }

    public Task<CollectionInfo> GetInfoAsync() =>
        Task.FromResult(new CollectionInfo(Name, state.State.Documents.Count, _index?.Count ?? 0));

    public Task<IReadOnlyList<Passage>> SearchAsync(float[] queryEmbedding, int topK)
    {
        if (_index is null || _index.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<Passage>>([]);
        }

        IReadOnlyList<Passage> hits = _index.Search(queryEmbedding, topK)
            .Select(hit => new Passage(hit.Item.Passage.Id, hit.Item.Document.Id, hit.Item.Document.Title, hit.Item.Passage.Text, hit.Item.Passage.Embedding, hit.Score))
            .ToArray();
        return Task.FromResult(hits);
    }

    private void RebuildIndex()
    {
        var entries = state.State.Documents.Values
            .OrderBy(d => d.Id, StringComparer.Ordinal)
            .SelectMany(d => d.Passages.Select(p => ((d, p), p.Embedding)))
            .ToArray();
        _index = new VectorIndex<(StoredDocument, StoredPassage)>(embedder.Dimensions, entries);
    }

    // The title is embedded with the passage: "Paris" in a passage titled "France" should match questions about France.
    internal static string PassageText(string? title, string chunk) =>
        string.IsNullOrWhiteSpace(title) ? chunk : $"{title}. {chunk}";

    private static string ContentHash(IngestDocument document) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{document.Title}\u0000{document.Text}")));
}
