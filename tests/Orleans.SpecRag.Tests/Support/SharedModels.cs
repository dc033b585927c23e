using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.SpecRag.Models.Hosting;
using Orleans.SpecRag.Models;
using Orleans.SpecRag.Models.Embedding;

namespace Orleans.SpecRag.Tests.Support;

/// <summary>
/// One MiniLM embedder for the whole test process: every in-process silo and gateway in the tests shares
/// it, instead of loading the ONNX model (~100 MB resident each) once per silo.
/// </summary>
public static class SharedModels
{
    private static readonly Lazy<MiniLmEmbedder> Lazy = new(() => new MiniLmEmbedder());

    public static MiniLmEmbedder MiniLm => Lazy.Value;

    /// <summary>
    /// The embeddings those hosts computed, shared with the model: every gateway indexes the same demo corpus at start,
    /// and a dozen of them start at once on the test machine's two cores.
    /// </summary>
    public static EmbeddingCache Embeddings { get; } = new();

    /// <summary>
    /// The drafter and verifier exactly as a silo wires them from <paramref name="settings"/>, outside any silo;
    /// <paramref name="instrument"/> may add test probes after the product's own registrations.
    /// </summary>
    public static ServiceProvider Wire(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? instrument = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSpecRagModels(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddSingleton(MiniLm);
        instrument?.Invoke(services);
        return services.BuildServiceProvider();
    }
}
