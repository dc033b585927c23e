using Microsoft.Extensions.DependencyInjection;
using Orleans.SpecRag.Tests.Support;

namespace Orleans.SpecRag.Tests.Cluster;

/// <summary>The three-silo cluster with both roles on the llama backend, loading a GGUF the test generates.</summary>
public sealed class LlamaClusterFixture : RoleClusterFixture
{
    private static readonly string Directory = Path.Combine(Path.GetTempPath(), $"specrag-llama-cluster-{Guid.NewGuid():N}");
    private static readonly Lazy<string> ModelPath = new(() =>
    {
        System.IO.Directory.CreateDirectory(Directory);
        return TinyLlamaGguf.Write(Path.Combine(Directory, "tiny-llama.gguf"), seed: 5);
    });

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["SpecRag:Drafter:Backend"] = "llama",
        ["SpecRag:Drafter:ModelPath"] = ModelPath.Value,
        ["SpecRag:Drafter:MaxTokens"] = "16",
        ["SpecRag:Drafter:ContextSize"] = "512",
        ["SpecRag:Drafter:MaxSequences"] = "4",
        ["SpecRag:Verifier:Backend"] = "llama",
        ["SpecRag:Verifier:ModelPath"] = ModelPath.Value,
        ["SpecRag:Verifier:MaxTokens"] = "16",
        ["SpecRag:Verifier:ContextSize"] = "512",
        ["SpecRag:Verifier:MaxSequences"] = "4",
    };

    protected override void ConfigureModels(IServiceCollection services)
    {
        // The configured llama backend, exactly as a production silo wires it.
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public sealed class LlamaClusterTests(LlamaClusterFixture fixture) : IClassFixture<LlamaClusterFixture>
{
    [Fact]
    public async Task A_query_is_drafted_and_verified_by_the_local_gguf_model_through_the_whole_path()
    {
        var result = await fixture.Grains.GetGrain<IQueryGrain>(Guid.NewGuid().ToString("N")).RunAsync(new QueryRequest
        {
            Question = "Is the sky blue?",
            Documents =
            [
                new("sky", "Sky", "The sky is blue on a clear day."),
                new("grass", "Grass", "Grass is green."),
                new("grain", "Grain", "A grain is an actor in Orleans."),
                new("silo", "Silo", "A silo hosts grains."),
            ],
            TopK = 4,
            Drafts = 3,
        });

        Assert.Empty(result.FailedDrafts);
        Assert.Equal(3, result.Drafts.Count);
        Assert.Equal("llama/tiny-llama", result.Models.Drafter);
        Assert.Equal("llama/tiny-llama", result.Models.Verifier);
        Assert.Equal("teacher-forced", result.Scoring);
        var drafters = fixture.SilosWithRole(SiloRoles.Drafter).Select(s => s.ToString()).ToHashSet();
        Assert.All(result.Drafts, d =>
        {
            Assert.Contains(d.Silo, drafters);
            Assert.NotNull(d.Scores.SelfConsistency);
            Assert.True(d.Scores.Draft <= 0 && d.Scores.SelfConsistency <= 0 && d.Scores.SelfReflection < 0);
            Assert.Equal(d.Scores.Draft, d.Scores.DraftRationale!.Value + d.Scores.DraftAnswer!.Value, 9);
            Assert.False(string.IsNullOrEmpty(d.Answer));
        });
        Assert.Equal(result.Drafts.MaxBy(d => d.Scores.Total)!.Index, result.SelectedDraft);
    }
}
