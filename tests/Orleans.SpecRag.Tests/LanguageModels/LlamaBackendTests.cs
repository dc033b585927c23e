using LLama;
using LLama.Common;
using LLama.Native;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.SpecRag.Hosting;
using Orleans.SpecRag.Models;
using Orleans.SpecRag.Tests.Support;
using Orleans.SpecRag.Models.Prompting;

namespace Orleans.SpecRag.Tests.LanguageModels;

/// <summary>A GGUF model on disk: the tiny random one built by the tests, or ../shared's trained stories260K.</summary>
public sealed class GgufModels : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"specrag-gguf-{Guid.NewGuid():N}");

    public GgufModels()
    {
        Directory.CreateDirectory(_directory);
        Tiny = TinyLlamaGguf.Write(Path.Combine(_directory, "tiny-llama.gguf"), seed: 77);
    }

    public string Tiny { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>The llama backend through the service's own wiring, checked against llama.cpp run one token at a time.</summary>
public sealed class LlamaBackendTests(GgufModels models) : IClassFixture<GgufModels>
{
    private static readonly Passage[] Passages =
    [
        new("p1", "p1", "Sky", "The sky is blue.", [], 0),
        new("p2", "p2", "Grain", "A grain is an actor in Orleans.", [], 0),
    ];

    private static ServiceProvider Models(string modelPath, int maxTokens = 12)
    {
        var settings = new Dictionary<string, string?>
        {
            ["SpecRag:Drafter:Backend"] = "llama",
            ["SpecRag:Drafter:ModelPath"] = modelPath,
            ["SpecRag:Drafter:MaxTokens"] = maxTokens.ToString(),
            ["SpecRag:Drafter:ContextSize"] = "512",
            ["SpecRag:Drafter:MaxSequences"] = "4",
            ["SpecRag:Verifier:Backend"] = "llama",
            ["SpecRag:Verifier:ModelPath"] = modelPath,
            ["SpecRag:Verifier:ContextSize"] = "512",
            ["SpecRag:Verifier:MaxSequences"] = "4",
        };
        return SharedModels.Wire(settings);
    }

    [Fact]
    public Task Drafts_and_scores_of_the_generated_tiny_model_are_exact() => CheckModelAsync(models.Tiny, "tiny-llama");

    [SharedFileFact(SharedData.Stories260K)]
    public Task Drafts_and_scores_of_the_trained_stories260K_model_are_exact() => CheckModelAsync(SharedData.File(SharedData.Stories260K)!, "stories260K");

    private static async Task CheckModelAsync(string path, string name)
    {
        using var services = Models(path);
        var drafter = services.GetRequiredService<IDraftModel>();
        var verifier = services.GetRequiredService<IVerifierModel>();
        Assert.Equal($"llama/{name}", drafter.Name);
        Assert.Equal("teacher-forced", verifier.Scoring);
        Assert.Same(
            services.GetRequiredService<Models.Llama.LlamaRuntimes>().Get(new LanguageModelOptions { ModelPath = path }, "Drafter"),
            services.GetRequiredService<Models.Llama.LlamaRuntimes>().Get(new LanguageModelOptions { ModelPath = path }, "Verifier"));

        // Generation runs; a draft that is not in the rationale/response format is kept whole and flagged.
        var draft = await drafter.DraftAsync("Is the sky blue?", Passages);
        Assert.True(draft.GeneratedTokens is > 0 and <= 12);
        Assert.True(draft.Parsed || draft.Answer.Length > 0);
        Assert.True(draft.DraftScore <= 0);

        // Batched: the same drafts run concurrently equal the drafts run one at a time.
        string[] questions = ["Is the sky blue?", "What is a grain?", "Which actor is it?", "Yes or no?"];
        var sequential = new List<DraftOutput>();
        foreach (var q in questions)
        {
            sequential.Add(await drafter.DraftAsync(q, Passages));
        }

        var concurrent = await Task.WhenAll(questions.Select(q => drafter.DraftAsync(q, Passages)));
        for (var i = 0; i < questions.Length; i++)
        {
            Assert.Equal(sequential[i].Answer, concurrent[i].Answer);
            Assert.Equal(sequential[i].Rationale, concurrent[i].Rationale);
            var perDraft = 1e-3 * sequential[i].GeneratedTokens!.Value; // batch composition changes float rounding
            Assert.InRange(concurrent[i].DraftScore, sequential[i].DraftScore - perDraft, sequential[i].DraftScore + perDraft);
        }

        // Teacher-forced verification equals llama.cpp's log-softmax computed step by step over the same tokens.
        var candidate = new DraftOutput("Yes", "The sky is blue.", -1, -1);
        var score = Assert.Single(await verifier.ScoreAsync("Is the sky blue?", [candidate]));
        var scored = SpeculativePrompts.Verification("Is the sky blue?", candidate.Answer, candidate.Rationale);
        var answer = scored.Answer;
        var rationale = scored.Rationale;
        var yes = scored.Yes;
        int[] boundaries = [answer.Start, answer.End, rationale.Start, rationale.End, yes.Start, yes.End];
        var (perToken, tokensBefore) = StepByStep(path, scored.Text, boundaries);
        int TokensUpTo(int end) => tokensBefore[end];
        double Between(int start, int end) => perToken.Skip(TokensUpTo(start)).Take(TokensUpTo(end) - TokensUpTo(start)).Sum();

        // One batched forward pass and token-at-a-time decoding differ in float rounding: 1e-3 per token.
        int Tokens(TextSpan span) => TokensUpTo(span.End) - TokensUpTo(span.Start);
        var expectedSc = Between(answer.Start, answer.End) + Between(rationale.Start, rationale.End);
        var tolerance = 1e-3 * (Tokens(answer) + Tokens(rationale));
        Assert.InRange(score.SelfConsistency!.Value, expectedSc - tolerance, expectedSc + tolerance);
        var expectedSr = Between(yes.Start, yes.End);
        Assert.InRange(score.SelfReflection, expectedSr - (1e-3 * Tokens(yes)), expectedSr + (1e-3 * Tokens(yes)));
        Assert.True(score.SelfReflection < 0);
    }

    /// <summary>
    /// Reference scoring with a plain llama.cpp context, one token per decode: perToken[i] is
    /// log P(token i | tokens before it) over the tokens of the text after BOS; tokensBefore[n] counts the
    /// tokens that spell the first n characters.
    /// </summary>
    private static (double[] PerToken, Dictionary<int, int> TokensBefore) StepByStep(string path, string text, int[] boundaries)
    {
        var parameters = new ModelParams(path) { ContextSize = 512, BatchSize = 512 };
        using var weights = LLamaWeights.LoadFromFile(parameters);
        using var context = weights.CreateContext(parameters);
        var tokens = context.Tokenize(text, addBos: true);
        var perToken = new double[tokens.Length - 1];
        for (var i = 0; i < tokens.Length - 1; i++)
        {
            var batch = new LLamaBatch();
            batch.Add(tokens[i], i, LLamaSeqId.Zero, logits: true);
            Assert.Equal(DecodeResult.Ok, context.Decode(batch));
            var logits = context.NativeHandle.GetLogitsIth(0).ToArray();
            var max = logits.Max();
            var logSum = max + Math.Log(logits.Sum(l => Math.Exp(l - max)));
            perToken[i] = logits[(int)tokens[i + 1]] - logSum;
        }

        // The tokens before character n: the prefix text[..n] must tokenize to the same leading tokens. When a
        // word's token carries the space before it ("▁Yes"), text[..n] ends in a lone space that tokenizes
        // differently, and the boundary falls before that space instead.
        var tokensBefore = new Dictionary<int, int>();
        foreach (var end in boundaries)
        {
            var prefixTokens = context.Tokenize(text[..end], addBos: true);
            if (!tokens.Take(prefixTokens.Length).SequenceEqual(prefixTokens) && end > 0 && text[end - 1] == ' ')
            {
                prefixTokens = context.Tokenize(text[..(end - 1)], addBos: true);
            }

            Assert.Equal(tokens.Take(prefixTokens.Length), prefixTokens);
            tokensBefore[end] = prefixTokens.Length - 1;
        }

        return (perToken, tokensBefore);
    }
}
