using System.Collections.Concurrent;
using Orleans.SpecRag.Models;
using Orleans.SpecRag.Models.Embedding;

namespace Orleans.SpecRag.Bench.Hosting;

/// <summary>
/// Bench-only decorator between the gateway's embedding cache and MiniLM: while recording, it keeps the texts of
/// every call that reaches the model (cache misses only). The load bench replays exactly these calls against the
/// bare embedder to get the embedder-bound limit of the same workload, instead of guessing how many texts a query
/// embeds (the question, plus rationales the verifier has not seen before). Costs one enqueue per call.
/// </summary>
public sealed class RecordingEmbedder(IEmbedder inner) : IEmbedder
{
    private readonly ConcurrentQueue<string[]> _calls = new();
    private volatile bool _recording;

    public string ModelName => inner.ModelName;

    public int Dimensions => inner.Dimensions;

    public void Start()
    {
        _calls.Clear();
        _recording = true;
    }

    public IReadOnlyList<string[]> Stop()
    {
        _recording = false;
        return _calls.ToArray();
    }

    public Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        if (_recording)
        {
            _calls.Enqueue(texts.ToArray());
        }

        return inner.EmbedAsync(texts, cancellationToken);
    }
}
