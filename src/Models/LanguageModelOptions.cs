namespace Orleans.SpecRag.Models;

/// <summary>
/// One role's model (configuration section <c>SpecRag:Drafter</c> or <c>SpecRag:Verifier</c>).
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
    public string Provider { get; set; } = "auto";

    /// <summary>Most tokens a draft or answer may generate.</summary>
    public int MaxTokens { get; set; } = 256;

    /// <summary>Timeout of one HTTP attempt; transient failures are retried within <see cref="Retries"/>.</summary>
    public int TimeoutSeconds { get; set; } = 60;

    public int Retries { get; set; } = 2;

    /// <summary>Requests in flight to the endpoint from this silo; more wait in a queue.</summary>
    public int MaxConcurrency { get; set; } = 16;

    /// <summary>
    /// Verifier only: <c>auto</c> tries exact teacher-forced scoring (<c>/completions</c> with <c>echo</c> and
    /// <c>logprobs</c>, as vLLM serves) and falls back to <c>chat</c> (ρ_SR from a one-token Yes/No answer,
    /// ρ_SC null) when the endpoint cannot echo; <c>echo</c> or <c>chat</c> force one method.
    /// </summary>
    public string Scoring { get; set; } = "auto";

    /// <summary><c>llama</c>: path of the GGUF file.</summary>
    public string? ModelPath { get; set; }

    /// <summary><c>llama</c>: context length of one sequence.</summary>
    public int ContextSize { get; set; } = 4096;

    /// <summary><c>llama</c>: CPU threads; 0 lets llama.cpp choose.</summary>
    public int Threads { get; set; }

    /// <summary><c>llama</c>: sequences decoded together in one llama.cpp batch.</summary>
    public int MaxSequences { get; set; } = 8;
}
