using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using Orleans.SpecRag.Models.Embedding;

namespace Orleans.SpecRag.Tests.Unit;

public sealed class EmbeddingCacheTests
{
    [Fact]
    public async Task Concurrent_misses_of_the_same_text_reach_the_model_once()
    {
        var model = new GatedCountingGenerator();
        var cached = new MemoryCachingEmbeddingGenerator(model);

        var calls = Enumerable.Range(0, 8).Select(_ => cached.EmbedAsync(["alpha", "beta"])).ToArray();
        await model.FirstCallArrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        model.Release.TrySetResult();
        var results = await Task.WhenAll(calls);

        Assert.Equal(1, model.Texts.Count(t => t == "alpha"));
        Assert.Equal(1, model.Texts.Count(t => t == "beta"));
        Assert.All(results, r => Assert.Same(results[0][0], r[0]));
    }

    [Fact]
    public async Task Cached_texts_are_not_embedded_again_and_a_batch_sends_only_its_distinct_misses()
    {
        var model = new GatedCountingGenerator();
        model.Release.TrySetResult();
        var cached = new MemoryCachingEmbeddingGenerator(model);

        await cached.EmbedAsync(["alpha"]);
        var vectors = await cached.EmbedAsync(["alpha", "gamma", "gamma"]);

        Assert.Equal(["alpha", "gamma"], model.Texts.Order());
        Assert.Same(vectors[1], vectors[2]);
    }

    [Fact]
    public async Task A_waiter_whose_owner_was_cancelled_embeds_the_text_itself()
    {
        var model = new GatedCountingGenerator();
        var cached = new MemoryCachingEmbeddingGenerator(model);
        using var owner = new CancellationTokenSource();

        var first = cached.EmbedAsync(["alpha"], owner.Token);
        await model.FirstCallArrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var second = cached.EmbedAsync(["alpha"]);
        owner.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        model.Release.TrySetResult();

        Assert.Single(await second);
    }

    [Fact]
    public async Task Hosts_that_share_a_cache_embed_a_text_once_but_never_take_another_models_vector()
    {
        using var shared = new EmbeddingCache();
        var model = new GatedCountingGenerator("model-a");
        var other = new GatedCountingGenerator("model-b");
        model.Release.TrySetResult();
        other.Release.TrySetResult();
        var firstHost = new MemoryCachingEmbeddingGenerator(model, shared);
        var secondHost = new MemoryCachingEmbeddingGenerator(model, shared);
        var otherModelsHost = new MemoryCachingEmbeddingGenerator(other, shared);

        var first = await firstHost.EmbedAsync(["alpha"]);
        var second = await secondHost.EmbedAsync(["alpha"]);
        await otherModelsHost.EmbedAsync(["alpha"]);

        Assert.Same(first[0], second[0]);
        Assert.Equal(["alpha"], model.Texts);
        Assert.Equal(["alpha"], other.Texts);

        // A host that stops does not take the shared cache with it.
        firstHost.Dispose();
        Assert.Same(first[0], (await secondHost.EmbedAsync(["alpha"]))[0]);
    }

    [Fact]
    public async Task An_ingestion_batch_reaches_the_model_marked_bulk_and_a_query_unmarked()
    {
        var model = new GatedCountingGenerator();
        model.Release.TrySetResult();
        var cached = new MemoryCachingEmbeddingGenerator(model);

        await cached.EmbedAsync(["passage"], EmbeddingPriority.Bulk);
        await cached.EmbedAsync(["question"]);

        Assert.Equal([EmbeddingPriority.Bulk, EmbeddingPriority.Interactive], model.Priorities);
    }

    [Fact]
    public async Task A_query_embeds_a_text_itself_rather_than_wait_for_the_ingestion_that_is_embedding_it()
    {
        var model = new GatedCountingGenerator();
        var cached = new MemoryCachingEmbeddingGenerator(model);

        var ingestion = cached.EmbedAsync(["passage"], EmbeddingPriority.Bulk);
        await model.FirstCallArrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var query = cached.EmbedAsync(["passage"]);
        await model.SecondCallArrived.Task.WaitAsync(TimeSpan.FromSeconds(10)); // it went to the model while the ingestion's call was still running
        model.Release.TrySetResult();

        await Task.WhenAll(ingestion, query);
        Assert.Equal([EmbeddingPriority.Bulk, EmbeddingPriority.Interactive], model.Priorities);
    }

    [Fact]
    public async Task An_ingestion_waits_for_a_query_that_is_embedding_the_same_text()
    {
        var model = new GatedCountingGenerator();
        var cached = new MemoryCachingEmbeddingGenerator(model);

        var query = cached.EmbedAsync(["passage"]);
        await model.FirstCallArrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var ingestion = cached.EmbedAsync(["passage"], EmbeddingPriority.Bulk);
        model.Release.TrySetResult();

        var vectors = await Task.WhenAll(query, ingestion);
        Assert.Equal(["passage"], model.Texts);
        Assert.Same(vectors[0][0], vectors[1][0]);
    }

    [Fact]
    public async Task The_priority_passes_through_the_hosts_decorators_to_the_model()
    {
        var model = new GatedCountingGenerator("model-a");
        model.Release.TrySetResult();
        using var chain = new EmbeddingGeneratorBuilder<string, Embedding<float>>(model)
            .Use(inner => new MemoryCachingEmbeddingGenerator(inner))
            .UseOpenTelemetry(sourceName: "tests")
            .Build();

        await chain.EmbedAsync(["passage"], EmbeddingPriority.Bulk);

        Assert.Equal([EmbeddingPriority.Bulk], model.Priorities);
    }

    private sealed class GatedCountingGenerator(string? model = null) : IEmbeddingGenerator<string, Embedding<float>>
    {
        private int _calls;

        public ConcurrentQueue<EmbeddingPriority> Priorities { get; } = new();

        public TaskCompletionSource SecondCallArrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentQueue<string> Texts { get; } = new();

        public TaskCompletionSource FirstCallArrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var texts = values.ToArray();
            Priorities.Enqueue(options.Priority);
            FirstCallArrived.TrySetResult();
            if (Interlocked.Increment(ref _calls) == 2)
            {
                SecondCallArrived.TrySetResult();
            }

            await Release.Task.WaitAsync(cancellationToken);
            foreach (var text in texts)
            {
                Texts.Enqueue(text);
            }

            return new GeneratedEmbeddings<Embedding<float>>(texts.Select(t => new Embedding<float>(new[] { t.Length, 1f })));
        }

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            model is not null && serviceType == typeof(EmbeddingGeneratorMetadata) ? new EmbeddingGeneratorMetadata("test", null, model, 2) : null;

        public void Dispose()
        {
        }
    }
}
