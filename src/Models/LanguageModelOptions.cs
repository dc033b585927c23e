using System.ComponentModel.DataAnnotations;

namespace Orleans.SpecRag.Models;

/// <summary>
/// One role's model (configuration section <c>SpecRag:Drafter</c> or <c>SpecRag:Verifier</c>), validated when the host
/// is built: a wrong value fails the start with its key (<see cref="ValidateFor"/>).
/// </summary>
public sealed class LanguageModelOptions
{
    /// <summary><c>extractive</c> (embedded default), <c>openai</c> (any OpenAI-compatible endpoint) or <c>llama</c> (a local GGUF file).</summary>
    public string Backend { get; set; } = "extractive";

    /// <summary>OpenAI-compatible base URL, e.g. <c>http://127.0.0.1:8000/v1</c>, or an Azure OpenAI resource <c>https://NAME.openai.azure.com</c>.</summary>
    public string? Endpoint { get; set; }

    /// <summary>Model name (the Azure deployment name on Azure OpenAI).</summary>
    public string? Model { get; set; }

    /// <summary>API key; falls back to <c>OPENAI_API_KEY</c> (or <c>AZURE_OPENAI_API_KEY</c>). Azure without a key uses DefaultAzureCredential.</summary>
    public string? ApiKey { get; set; }

    /// <summary><c>auto</c> (Azure when the host is *.openai.azure.com), <c>openai</c> or <c>azure</c>.</summary>
    [RegularExpression("(?i)^(auto|openai|azure)$", ErrorMessage = "must be 'auto', 'openai' or 'azure'")]
    public string Provider { get; set; } = "auto";

    /// <summary>Most tokens a draft or answer may generate.</summary>
    [Range(1, 1_000_000, ErrorMessage = "must be between {1} and {2}")]
    public int MaxTokens { get; set; } = 256;

    /// <summary>Timeout of one HTTP attempt; transient failures are retried within <see cref="Retries"/>.</summary>
    [Range(1, 86_400, ErrorMessage = "must be between {1} and {2}")]
    public int TimeoutSeconds { get; set; } = 60;

    [Range(0, 100, ErrorMessage = "must be between {1} and {2}")]
    public int Retries { get; set; } = 2;

    /// <summary>
    /// <c>openai</c>: HTTP requests in flight to the endpoint from this silo; more wait in a queue. Not the same as
    /// <c>SpecRag:Drafter:MaxInFlight</c> (drafts a drafter silo accepts at once, past which it answers busy) or
    /// <see cref="MaxSequences"/> (llama.cpp only).
    /// </summary>
    [Range(1, 100_000, ErrorMessage = "must be between {1} and {2}")]
    public int MaxConcurrency { get; set; } = 16;

    /// <summary>
    /// Verifier only: <c>auto</c> tries exact teacher-forced scoring (<c>/completions</c> with <c>echo</c> and
    /// <c>logprobs</c>, as vLLM serves) and falls back to <c>chat</c> (ρ_SR from a one-token Yes/No answer,
    /// ρ_SC null) when the endpoint cannot echo; <c>echo</c> or <c>chat</c> force one method.
    /// </summary>
    [RegularExpression("(?i)^(auto|echo|chat)$", ErrorMessage = "must be 'auto', 'echo' or 'chat'")]
    public string Scoring { get; set; } = "auto";

    /// <summary><c>llama</c>: path of the GGUF file.</summary>
    public string? ModelPath { get; set; }

    /// <summary><c>llama</c>: context length of one sequence.</summary>
    [Range(16, 1_048_576, ErrorMessage = "must be between {1} and {2}")]
    public int ContextSize { get; set; } = 4096;

    /// <summary><c>llama</c>: CPU threads; 0 lets llama.cpp choose.</summary>
    [Range(0, 1024, ErrorMessage = "must be between {1} and {2}")]
    public int Threads { get; set; }

    /// <summary>
    /// <c>llama</c>: sequences decoded together in one llama.cpp batch (requests beyond it wait for a free sequence).
    /// Not the same as <c>SpecRag:Drafter:MaxInFlight</c> or <see cref="MaxConcurrency"/> (OpenAI-compatible endpoints).
    /// </summary>
    [Range(1, 256, ErrorMessage = "must be between {1} and {2}")]
    public int MaxSequences { get; set; } = 8;

    /// <summary>Every rule above, each failure reported with its full key, e.g. <c>SpecRag:Drafter:MaxTokens must be …</c>.</summary>
    public void ValidateFor(string section)
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true))
        {
            throw new InvalidOperationException(string.Join(" ", results.Select(r => $"{section}:{r.MemberNames.FirstOrDefault()} {r.ErrorMessage}.")));
        }
    }
}
