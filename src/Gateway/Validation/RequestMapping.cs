using Orleans.SpecRag.Text;

namespace Orleans.SpecRag.Gateway.Validation;

/// <summary>
/// Validated bodies as the grains take them, with every default applied. The bodies have been validated by then (by
/// the endpoint, or <see cref="BodyValidator"/>), so nothing is checked again: the null-forgiving operators stand on
/// the bodies' <c>[Required]</c> and null-document rules.
/// </summary>
public static class RequestMapping
{
    public static QueryRequest ToQueryRequest(this QueryRequestBody body)
    {
        var question = body.Question!.Trim();
        if (body.Choices is { } choices)
        {
            question = AnswerOptions.Append(question, [.. choices.Select(c => c!)]);
        }

        IReadOnlyList<InlineDocument>? documents = null;
        IReadOnlyList<string> skipped = [];
        if (body.Documents is { } inline)
        {
            (documents, skipped) = InlineDocuments.Prepare([.. inline.Select(d => d!.ToInlineDocument())]);
        }

        return new QueryRequest
        {
            Question = question,
            Collection = body.Collection ?? QueryDefaults.Collection,
            Documents = documents,
            TopK = body.TopK ?? QueryDefaults.TopK,
            Drafts = body.Drafts ?? QueryDefaults.Drafts,
            DocsPerDraft = body.DocsPerDraft ?? QueryDefaults.DocsPerDraft,
            Mode = body.Mode ?? QueryMode.Speculative,
            Seed = body.Seed ?? QueryDefaults.Seed,
            DeadlineMs = body.DeadlineMs,
            Retrieval = body.Retrieval,
            Sampling = body.Sampling,
            SkippedDocuments = skipped,
        };
    }

    public static InlineDocument ToInlineDocument(this InlineDocumentBody document) =>
        new(document.Id, document.Title, document.Text ?? string.Empty);

    public static IReadOnlyList<IngestDocument> ToIngestDocuments(this IngestRequestBody body) =>
        [.. body.Documents!.Select(d => d!.ToIngestDocument())];

    public static IngestDocument ToIngestDocument(this DocumentBody document) =>
        new(document.Id!, document.Title, document.Text!, document.Metadata);
}
