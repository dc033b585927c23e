using Microsoft.Extensions.AI;
using System.Collections.Concurrent;

namespace Orleans.SpecRag.Bench.Hosting;

/// <summary>
/// Bench-only decorator between the gateway's embedding cache and MiniLM: while recording, it keeps the texts of
/// every call that reaches the model (cache misses only). The load bench replays exactly these calls against the
/// bare embedder to get the embedder-bound limit of the same workload, instead of guessing how many texts a query
/// embeds (the question, plus rationales the verifier has not seen before). Costs one enqueue per call.
/// </summary>
public sealed class RecordingEmbedder(IEmbeddingGenerator<string, Embedding<float>> inner) : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
{
    private readonly ConcurrentQueue<string[]> _calls = new();
    private volatile bool _recording;

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

    public override Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var texts = values.ToArray();
        if (_recording)
        {
            _calls.Enqueue(texts);
        }

        return base.GenerateAsync(texts, options, cancellationToken);
    }
}
