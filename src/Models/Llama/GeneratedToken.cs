namespace Orleans.SpecRag.Models.Llama;

/// <summary>One greedily chosen token.</summary>
/// <param name="Id">Vocabulary id.</param>
/// <param name="Text">
/// Text this token adds to the output. Produced by a streaming UTF-8 decoder so characters split across
/// byte-fallback tokens come out once, whole; a token that only carries part of a character yields "".
/// </param>
/// <param name="LogProbability">Natural-log softmax probability of this token at its step (always &lt;= 0).</param>
public sealed record GeneratedToken(int Id, string Text, double LogProbability);
