using System.Collections.Concurrent;
using Orleans.SpecRag.Models.OpenAi;

namespace Orleans.SpecRag.Models.Llama;

/// <summary>
/// One <see cref="LlamaRuntime"/> per GGUF file in this silo: when the drafter and the verifier name the
/// same file they share the weights and the batches. Disposed with the silo's container.
/// </summary>
public sealed class LlamaRuntimes(ILoggerFactory loggers) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<LlamaRuntime>> _runtimes = new(StringComparer.Ordinal);

    public LlamaRuntime Get(LanguageModelOptions options, string role)
    {
        if (string.IsNullOrWhiteSpace(options.ModelPath))
        {
            throw new InvalidOperationException($"SpecRag:{role}:ModelPath must name a GGUF file for the llama backend.");
        }

        var path = Path.GetFullPath(options.ModelPath);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"SpecRag:{role}:ModelPath '{path}' does not exist.", path);
        }

        return _runtimes.GetOrAdd(path, p => new Lazy<LlamaRuntime>(() => new LlamaRuntime(
            new LlamaRuntimeOptions
            {
                ModelPath = p,
                ContextSize = options.ContextSize,
                Threads = options.Threads,
                MaxSequences = options.MaxSequences,
            },
            loggers.CreateLogger<LlamaRuntime>()))).Value;
    }

    public void Dispose()
    {
        foreach (var runtime in _runtimes.Values.Where(r => r.IsValueCreated))
        {
            runtime.Value.Dispose();
        }
    }
}
