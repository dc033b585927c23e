using System.Text;

namespace Orleans.SpecRag.Models.Prompting;

/// <summary>A prompt for a raw completion model, and the same request as chat messages for a chat model.</summary>
public sealed record Prompt(string Completion, string System, string User);

/// <summary>A text with the character spans that a teacher-forced score sums over.</summary>
public sealed record ScoredText(string Text, TextSpan Answer, TextSpan Rationale, TextSpan Yes);

public readonly record struct TextSpan(int Start, int End)
{
    public int Length => End - Start;

    public bool Contains(int position) => position >= Start && position < End;
}

/// <summary>
/// The prompts of Speculative RAG (Wang et al., 2025, appendix): the drafter sees the question and its
/// passage subset as numbered evidence and writes a rationale, then a response; the verifier sees only
/// the question, the answer and the rationale, followed by the self-reflection question.
/// </summary>
public static class SpeculativePrompts
{
    public const string SelfReflectionQuestion = "Do you think the explanation supports the answers? (Yes or No)";

    public const string RationaleMarker = "### Rationale:";
    public const string ResponseMarker = "### Response:";

    private const string Instruction =
        "Answer the question using only the evidence below. First write a short rationale that explains which evidence supports the answer, then give the answer itself in a few words or one sentence.";

    /// <summary>The drafter's prompt: instruction, question and the subset's passages as numbered evidence.</summary>
    public static Prompt Drafter(string question, IReadOnlyList<Passage> passages)
    {
        var evidence = Evidence(passages);
        var completion = new StringBuilder()
            .Append("Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n")
            .Append("### Instruction:\n").Append(Instruction).Append("\n\n")
            .Append("### Question:\n").Append(Clean(question)).Append("\n\n")
            .Append("### Evidence:\n").Append(evidence).Append('\n')
            .Append(RationaleMarker).Append('\n')
            .ToString();
        var user = new StringBuilder()
            .Append("Question: ").Append(Clean(question)).Append("\n\n")
            .Append("Evidence:\n").Append(evidence).Append('\n')
            .Append("Reply in exactly this form and nothing else:\n")
            .Append(RationaleMarker).Append(" <your rationale>\n")
            .Append(ResponseMarker).Append(" <your answer>")
            .ToString();
        return new Prompt(completion, Instruction, user);
    }

    /// <summary>
    /// The verifier's teacher-forcing text [Q, α, β, R, "Yes"] with the spans of α, β and "Yes":
    /// ρ_SC sums the log-probabilities of α's and β's tokens, ρ_SR those of "Yes".
    /// </summary>
    public static ScoredText Verification(string question, string answer, string rationale)
    {
        var text = new StringBuilder().Append("Question: ").Append(Clean(question)).Append("\nAnswer: ");
        var answerStart = text.Length;
        text.Append(Clean(answer));
        var answerEnd = text.Length;
        text.Append("\nRationale: ");
        var rationaleStart = text.Length;
        text.Append(Clean(rationale));
        var rationaleEnd = text.Length;
        text.Append('\n').Append(SelfReflectionQuestion).Append('\n');
        var yesStart = text.Length;
        text.Append("Yes");
        return new ScoredText(text.ToString(), new TextSpan(answerStart, answerEnd), new TextSpan(rationaleStart, rationaleEnd), new TextSpan(yesStart, text.Length));
    }

    /// <summary>The self-reflection question as a chat turn, for endpoints that only return log-probabilities of generated tokens.</summary>
    public static Prompt SelfReflection(string question, string answer, string rationale)
    {
        var user = $"Question: {Clean(question)}\nAnswer: {Clean(answer)}\nRationale: {Clean(rationale)}\n{SelfReflectionQuestion}";
        return new Prompt(user + "\n", "Answer with a single word: Yes or No.", user);
    }

    /// <summary>Standard RAG (the paper's baseline): the verifier model answers from all retrieved passages.</summary>
    public static Prompt Standard(string question, IReadOnlyList<Passage> passages) => Drafter(question, passages);

    private static string Evidence(IReadOnlyList<Passage> passages)
    {
        var evidence = new StringBuilder();
        for (var i = 0; i < passages.Count; i++)
        {
            evidence.Append('[').Append(i + 1).Append("] ");
            if (!string.IsNullOrWhiteSpace(passages[i].Title))
            {
                evidence.Append(Clean(passages[i].Title!)).Append(": ");
            }

            evidence.Append(Clean(passages[i].Text)).Append('\n');
        }

        return evidence.ToString();
    }

    // Passages and questions are untrusted: they must not be able to open a section of their own
    // ("### Response:") and so rewrite the instruction or fake an answer. Newlines collapse to spaces and
    // "#" runs lose their meaning as Markdown headings.
    internal static string Clean(string text) =>
        string.Join(' ', text.Split((char[])['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Replace("###", "# # #", StringComparison.Ordinal);
}
