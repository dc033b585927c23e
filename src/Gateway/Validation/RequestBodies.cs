using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Orleans.SpecRag.Text;

namespace Orleans.SpecRag.Gateway.Validation;

// The rules of the request bodies, in one place: the endpoints' built-in validation (AddValidation) and BodyValidator,
// for bodies no endpoint parameter binds, both read these annotations. Every member is nullable so that "missing" can
// be told apart and reported; an unknown field is an error, so a misspelt option ("draft": 3) is not silently ignored.
// The attributes target the properties, where both the built-in validation and System.ComponentModel's Validator look.

/// <summary>The JSON body of <c>POST /v1/query</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record QueryRequestBody(
    [property: Required(ErrorMessage = "The question is required and must not be empty.")]
    [property: StringLength(QueryDefaults.MaxQuestionLength, ErrorMessage = "The question can have at most {1} characters.")]
    string? Question,
    [property: CollectionName]
    string? Collection,
    [property: MinLength(1, ErrorMessage = "documents, when given, must hold at least one document.")]
    [property: MaxLength(QueryDefaults.MaxInlineDocuments, ErrorMessage = "At most {1} documents can be sent with a query.")]
    IReadOnlyList<InlineDocumentBody?>? Documents,
    [property: Range(1, QueryDefaults.MaxTopK, ErrorMessage = "topK must be between {1} and {2}.")]
    int? TopK,
    [property: Range(1, QueryDefaults.MaxDrafts, ErrorMessage = "drafts must be between {1} and {2}.")]
    int? Drafts,
    [property: Range(1, int.MaxValue, ErrorMessage = "docsPerDraft must be at least 1.")]
    int? DocsPerDraft,
    [property: JsonConverter(typeof(EnumNameConverter<QueryMode>))]
    QueryMode? Mode,
    int? Seed,
    [property: Range(QueryDefaults.MinDeadlineMs, QueryDefaults.MaxDeadlineMs, ErrorMessage = "deadlineMs must be between {1} and {2}.")]
    int? DeadlineMs = null,
    bool? Stream = null,
    [property: JsonConverter(typeof(EnumNameConverter<RetrievalMode>))]
    RetrievalMode? Retrieval = null,
    [property: Length(2, AnswerOptions.MaxOptions, ErrorMessage = "choices, when given, must list {1} to {2} options.")]
    IReadOnlyList<string?>? Choices = null,
    [property: JsonConverter(typeof(EnumNameConverter<SubsetSampling>))]
    SubsetSampling? Sampling = null) : IValidatableObject
{
    // Runs only once every member is valid, so the defaults and counts it relies on are in range.
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var topK = TopK ?? QueryDefaults.TopK;
        var docsPerDraft = DocsPerDraft ?? QueryDefaults.DocsPerDraft;
        if (docsPerDraft > topK)
        {
            yield return new ValidationResult($"docsPerDraft ({docsPerDraft}) cannot exceed topK ({topK}).", [nameof(DocsPerDraft)]);
        }

        if (Documents is not null)
        {
            foreach (var error in DocumentList.Errors(Documents, d => d?.Id, "A document must be an object with a 'text'."))
            {
                yield return error;
            }

            var documents = Documents.OfType<InlineDocumentBody>().Select(d => d.ToInlineDocument()).ToArray();
            if (documents.Length == Documents.Count && InlineDocuments.Prepare(documents).Usable.Count == 0)
            {
                yield return new ValidationResult("No document has a text or a title: there is nothing to answer from.", [nameof(Documents)]);
            }
        }

        if (Choices is not null && Choices.Any(c => string.IsNullOrWhiteSpace(c) || c.Length > RequestLimits.MaxChoiceLength))
        {
            yield return new ValidationResult($"Every choice must be a non-empty text of at most {RequestLimits.MaxChoiceLength} characters.", [nameof(Choices)]);
        }
    }
}

/// <summary>
/// A document sent with a query, used as one retrieved passage. An empty or missing text is real retriever output (a
/// title-only passage): <see cref="InlineDocuments.Prepare"/> decides its use. <c>metadata</c> is accepted, so that
/// documents can be sent as they are ingested, and not used.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record InlineDocumentBody(
    [property: DocumentId]
    string? Id,
    [property: StringLength(RequestLimits.MaxTitleLength, ErrorMessage = "A title can have at most {1} characters.")]
    string? Title,
    [property: StringLength(QueryDefaults.MaxDocumentTextLength, ErrorMessage = "The text can have at most {1} characters.")]
    string? Text,
    Dictionary<string, string>? Metadata = null);

/// <summary>A document to ingest: unlike one sent with a query, it needs an id (what replaces it later) and a text.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record DocumentBody(
    [property: Required(AllowEmptyStrings = true, ErrorMessage = "The document id is required.")]
    [property: DocumentId]
    string? Id,
    [property: StringLength(RequestLimits.MaxTitleLength, ErrorMessage = "A title can have at most {1} characters.")]
    string? Title,
    [property: Required(ErrorMessage = "The text is required and must not be empty.")]
    [property: StringLength(RequestLimits.MaxIngestTextLength, ErrorMessage = "The text can have at most {1} characters.")]
    string? Text,
    Dictionary<string, string>? Metadata);

/// <summary>The JSON body of <c>POST /v1/collections/{name}/documents</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record IngestRequestBody(
    [property: Required(ErrorMessage = "At least one document is required.")]
    [property: MinLength(1, ErrorMessage = "At least one document is required.")]
    [property: MaxLength(RequestLimits.MaxIngestDocuments, ErrorMessage = "At most {1} documents can be ingested per request.")]
    IReadOnlyList<DocumentBody?>? Documents) : IValidatableObject
{
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        Documents is null ? [] : DocumentList.Errors(Documents, d => d?.Id, "A document must be an object with an 'id' and a 'text'.");
}

/// <summary>What a list of documents must hold beyond its documents' own rules, for queries and ingestion alike.</summary>
internal static class DocumentList
{
    public static IEnumerable<ValidationResult> Errors<T>(IReadOnlyList<T?> documents, Func<T?, string?> id, string nullMessage)
        where T : class
    {
        // The built-in validation skips null items of a list: a JSON null where a document belongs is caught here.
        for (var i = 0; i < documents.Count; i++)
        {
            if (documents[i] is null)
            {
                yield return new ValidationResult(nullMessage, [$"Documents[{i}]"]);
            }
        }

        var duplicate = documents.Select(id).OfType<string>().GroupBy(d => d, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            yield return new ValidationResult($"Document id '{RequestLimits.Shorten(duplicate.Key)}' appears more than once in the request.", ["Documents"]);
        }
    }
}
