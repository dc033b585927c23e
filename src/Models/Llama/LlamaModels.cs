using Orleans.SpecRag.Models.Llama;

namespace Orleans.SpecRag.Models.Llama;

/// <summary>
/// The drafter on a local GGUF model: greedy generation after the completion prompt, which ends with the
/// rationale marker, so the model writes β, then "### Response:", then α. Concurrent drafts on one silo
/// share llama.cpp batches inside <see cref="LlamaRuntime"/>.
/// </summary>
public sealed class LlamaDraftModel(LlamaRuntime runtime, LanguageModelOptions options) : IDraftModel
{
    public string Name => $"llama/{runtime.ModelName}";

    public async Task<DraftOutput> DraftAsync(string question, IReadOnlyList<Passage> passages, DraftOptions? draft = null, CancellationToken cancellationToken = default) =>
        await LlamaGeneration.DraftAsync(runtime, SpeculativePrompts.Drafter(question, passages), options.MaxTokens, cancellationToken);
}

/// <summary>
/// The verifier on a local GGUF model, exact: one teacher-forced forward pass over [Q, α, β, R, "Yes"] per
/// draft gives ρ_SC (the tokens of α and β) and ρ_SR (the tokens of "Yes"). The drafts of a query are
/// scored concurrently, so they share llama.cpp batches.
/// </summary>
public sealed class LlamaVerifierModel(LlamaRuntime runtime, LanguageModelOptions options) : IVerifierModel
{
    public string Name => $"llama/{runtime.ModelName}";

    public string Scoring => ScoringMethods.TeacherForced;

    public async Task<IReadOnlyList<VerifierScores>> ScoreAsync(string question, IReadOnlyList<DraftOutput> drafts, CancellationToken cancellationToken = default) =>
        await Task.WhenAll(drafts.Select(async draft =>
        {
            var scored = SpeculativePrompts.Verification(question, draft.Answer, draft.Rationale);
            var (tokens, offsets) = await LlamaGeneration.TeacherForceAsync(runtime, scored.Text, cancellationToken);
            return new VerifierScores(
                TokenSpans.Sum(tokens, offsets, scored.Answer) + TokenSpans.Sum(tokens, offsets, scored.Rationale),
                TokenSpans.Sum(tokens, offsets, scored.Yes));
        }));

    public async Task<DraftOutput> AnswerAsync(string question, IReadOnlyList<Passage> passages, CancellationToken cancellationToken = default) =>
        await LlamaGeneration.DraftAsync(runtime, SpeculativePrompts.Standard(question, passages), options.MaxTokens, cancellationToken);
}

/// <summary>What the llama drafter and verifier share: generation to a draft, and teacher forcing with text offsets.</summary>
public static class LlamaGeneration
{
    public static async Task<DraftOutput> DraftAsync(LlamaRuntime runtime, Prompt prompt, int maxTokens, CancellationToken cancellationToken)
    {
        var generated = await runtime.GenerateAsync(prompt.Completion, maxTokens, cancellationToken);
        return GeneratedDraft.FromTokens(generated.Select(t => new TokenLogProb(t.Text, t.LogProbability)).ToArray());
    }

    /// <summary>
    /// Scores <paramref name="text"/> as the model tokenizes it (with BOS) and gives each token its text and
    /// offset in <paramref name="text"/>. Offsets come from detokenizing growing prefixes, which stays right
    /// for tokenizers that add a leading space or split characters into byte tokens.
    /// </summary>
    public static async Task<(IReadOnlyList<TokenLogProb> Tokens, int[] Offsets)> TeacherForceAsync(LlamaRuntime runtime, string text, CancellationToken cancellationToken)
    {
        var ids = runtime.Tokenize(text, addBos: true);
        var logProbs = await runtime.ScoreAsync(ids, cancellationToken);

        // ids[0] is BOS: it has no text and no conditional probability.
        var content = ids.Skip(1).ToArray();
        var full = runtime.Detokenize(content);
        var shift = Math.Max(0, full.Length - text.Length); // e.g. SentencePiece's added leading space
        var ends = new int[content.Length + 1];
        for (var i = 1; i <= content.Length; i++)
        {
            ends[i] = Math.Clamp(runtime.Detokenize(content[..i]).Length - shift, ends[i - 1], text.Length);
        }

        var tokens = new TokenLogProb[content.Length];
        var offsets = new int[content.Length];
        for (var i = 0; i < content.Length; i++)
        {
            offsets[i] = ends[i];
            tokens[i] = new TokenLogProb(text[ends[i]..ends[i + 1]], logProbs[i + 1]);
        }

        return (tokens, offsets);
    }
}
