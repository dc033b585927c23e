using System.Text.Json;
using Orleans.SpecRag.Placement;
using Orleans.SpecRag.Retrieval.Segments;

namespace Orleans.SpecRag.Retrieval;

/// <summary>
/// The names of the collections, so they can be listed. One record in the segment store (<c>_catalog/collections</c>;
/// a collection name cannot start with '_'), written with its ETag like a shard's manifest, so two activations after
/// a failover cannot lose each other's names. A collection adds itself when it is created or activated.
/// </summary>
[AvoidDrafterSilos]
public sealed class CollectionCatalogGrain(ISegmentStore store) : Grain, ICollectionCatalogGrain
{
    public const string RecordPath = "_catalog/collections";

    private SortedSet<string> _names = new(StringComparer.Ordinal);
    private string? _etag;

    public override async Task OnActivateAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task AddAsync(string name)
    {
        while (!_names.Contains(name))
        {
            var next = new SortedSet<string>(_names, StringComparer.Ordinal) { name };
            try
            {
                _etag = await store.WriteRecordAsync(RecordPath, JsonSerializer.SerializeToUtf8Bytes(next.ToArray(), SegmentFiles.Json), _etag);
                _names = next;
            }
            catch (ETagMismatchException)
            {
                await LoadAsync(CancellationToken.None);
            }
        }
    }

    public Task<IReadOnlyList<string>> ListAsync() => Task.FromResult<IReadOnlyList<string>>(_names.ToArray());

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var stored = await store.ReadRecordAsync(RecordPath, cancellationToken);
        _names = new SortedSet<string>(stored is null ? [] : JsonSerializer.Deserialize<string[]>(stored.Content, SegmentFiles.Json) ?? [], StringComparer.Ordinal);
        _etag = stored?.ETag;
    }
}
