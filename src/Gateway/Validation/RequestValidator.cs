namespace Orleans.SpecRag.Gateway.Validation;

/// <summary>
/// Turns request bodies into validated grain requests, or into field → messages errors that the API
/// returns as a 400 validation problem. Pure functions: unit-tested without a server.
/// </summary>
public static class RequestValidator
{
    public static ValidationOutcome<QueryRequest> Validate(QueryRequestBody body)
    {
        var errors = new Errors();

        if (string.IsNullOrWhiteSpace(body.Question))
        {
            errors.Add("question", "The question is required and must not be empty.");
        }
        else if (body.Question.Length > QueryDefaults.MaxQuestionLength)
        {
            errors.Add("question", $"The question has {body.Question.Length} characters; at most {QueryDefaults.MaxQuestionLength} are allowed.");
        }

        var collection = body.Collection ?? QueryDefaults.Collection;
        if (!RequestLimits.IsValidCollectionName(collection))
        {
            errors.Add("collection", $"'{RequestLimits.Shorten(collection)}' is not a valid collection name ({RequestLimits.CollectionNameRule}).");
        }

        var topK = body.TopK ?? QueryDefaults.TopK;
        if (topK is < 1 or > QueryDefaults.MaxTopK)
        {
            errors.Add("topK", $"topK must be between 1 and {QueryDefaults.MaxTopK}; it was {topK}.");
        }

        var drafts = body.Drafts ?? QueryDefaults.Drafts;
        if (drafts is < 1 or > QueryDefaults.MaxDrafts)
        {
            errors.Add("drafts", $"drafts must be between 1 and {QueryDefaults.MaxDrafts}; it was {drafts}.");
        }

        var docsPerDraft = body.DocsPerDraft ?? QueryDefaults.DocsPerDraft;
        if (docsPerDraft < 1)
        {
            errors.Add("docsPerDraft", $"docsPerDraft must be at least 1; it was {docsPerDraft}.");
        }
        else if (docsPerDraft > topK && topK >= 1)
        {
            errors.Add("docsPerDraft", $"docsPerDraft ({docsPerDraft}) cannot exceed topK ({topK}).");
        }

        var mode = QueryMode.Speculative;
        if (body.Mode is not null && !TryParseMode(body.Mode, out mode))
        {
            errors.Add("mode", $"mode must be 'speculative' or 'standard'; it was '{RequestLimits.Shorten(body.Mode)}'.");
        }

        RetrievalMode? retrieval = null;
        if (body.Retrieval is not null)
        {
            if (Enum.TryParse<RetrievalMode>(body.Retrieval.Trim(), ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(body.Retrieval, out _))
            {
                retrieval = parsed;
            }
            else
            {
                errors.Add("retrieval", $"retrieval must be 'dense', 'lexical' or 'hybrid'; it was '{RequestLimits.Shorten(body.Retrieval)}'.");
            }
        }

        if (body.DeadlineMs is < QueryDefaults.MinDeadlineMs or > QueryDefaults.MaxDeadlineMs)
        {
            errors.Add("deadlineMs", $"deadlineMs must be between {QueryDefaults.MinDeadlineMs} and {QueryDefaults.MaxDeadlineMs}; it was {body.DeadlineMs}.");
        }

        List<InlineDocument>? documents = null;
        IReadOnlyList<string> skipped = [];
        if (body.Documents is not null)
        {
            if (body.Documents.Count == 0)
            {
                errors.Add("documents", "documents, when given, must hold at least one document.");
            }
            else if (body.Documents.Count > QueryDefaults.MaxInlineDocuments)
            {
                errors.Add("documents", $"At most {QueryDefaults.MaxInlineDocuments} documents can be sent with a query; there were {body.Documents.Count}.");
            }
            else
            {
                documents = [];
                for (var i = 0; i < body.Documents.Count; i++)
                {
                    var document = body.Documents[i];
                    var field = $"documents[{i}]";
                    if (document is null)
                    {
                        errors.Add(field, "A document must be an object with a 'text'.");
                        continue;
                    }

                    // An empty text is real retriever output (a title-only passage); InlineDocuments.Prepare decides its use.
                    if (document.Text is { Length: > QueryDefaults.MaxDocumentTextLength })
                    {
                        errors.Add($"{field}.text", $"The text has {document.Text.Length} characters; at most {QueryDefaults.MaxDocumentTextLength} are allowed.");
                    }

                    if (document.Id is not null)
                    {
                        ValidateId(errors, $"{field}.id", document.Id);
                    }

                    ValidateTitle(errors, $"{field}.title", document.Title);
                    documents.Add(new InlineDocument(document.Id, document.Title, document.Text ?? string.Empty));
                }

                ValidateUniqueIds(errors, body.Documents);
                if (errors.Count == 0)
                {
                    (var usable, skipped) = InlineDocuments.Prepare(documents);
                    if (usable.Count == 0)
                    {
                        errors.Add("documents", "No document has a text or a title: there is nothing to answer from.");
                    }

                    documents = [.. usable];
                }
            }
        }

        var question = body.Question?.Trim();
        if (body.Choices is not null)
        {
            if (body.Choices.Count is < 2 or > Text.AnswerOptions.MaxOptions)
            {
                errors.Add("choices", $"choices, when given, must list 2 to {Text.AnswerOptions.MaxOptions} options; there were {body.Choices.Count}.");
            }
            else if (body.Choices.Any(c => string.IsNullOrWhiteSpace(c) || c.Length > RequestLimits.MaxChoiceLength))
            {
                errors.Add("choices", $"Every choice must be a non-empty text of at most {RequestLimits.MaxChoiceLength} characters.");
            }
            else if (question is { Length: > 0 })
            {
                question = Text.AnswerOptions.Append(question, body.Choices.Select(c => c!).ToArray());
            }
        }

        SubsetSampling? sampling = null;
        if (body.Sampling is not null)
        {
            if (Enum.TryParse<SubsetSampling>(body.Sampling.Trim(), ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(body.Sampling, out _))
            {
                sampling = parsed;
            }
            else
            {
                errors.Add("sampling", $"sampling must be 'paper' or 'coverage'; it was '{RequestLimits.Shorten(body.Sampling)}'.");
            }
        }

        if (errors.Count > 0)
        {
            return ValidationOutcome<QueryRequest>.Invalid(errors);
        }

        return ValidationOutcome<QueryRequest>.Valid(new QueryRequest
        {
            Question = question!,
            Collection = collection,
            Documents = documents,
            TopK = topK,
            Drafts = drafts,
            DocsPerDraft = docsPerDraft,
            Mode = mode,
            Seed = body.Seed ?? QueryDefaults.Seed,
            DeadlineMs = body.DeadlineMs,
            Retrieval = retrieval,
            Sampling = sampling,
            SkippedDocuments = skipped,
        });
    }

    public static ValidationOutcome<IReadOnlyList<IngestDocument>> Validate(IReadOnlyList<DocumentBody?>? documents)
    {
        var errors = new Errors();
        if (documents is null || documents.Count == 0)
        {
            errors.Add("documents", "At least one document is required.");
            return ValidationOutcome<IReadOnlyList<IngestDocument>>.Invalid(errors);
        }

        if (documents.Count > RequestLimits.MaxIngestDocuments)
        {
            errors.Add("documents", $"At most {RequestLimits.MaxIngestDocuments} documents can be ingested per request; there were {documents.Count}.");
            return ValidationOutcome<IReadOnlyList<IngestDocument>>.Invalid(errors);
        }

        var valid = new List<IngestDocument>();
        for (var i = 0; i < documents.Count; i++)
        {
            var document = documents[i];
            var field = $"documents[{i}]";
            if (document is null)
            {
                errors.Add(field, "A document must be an object with an 'id' and a 'text'.");
                continue;
            }

            if (document.Id is null)
            {
                errors.Add($"{field}.id", "The document id is required.");
            }
            else
            {
                ValidateId(errors, $"{field}.id", document.Id);
            }

            ValidateTitle(errors, $"{field}.title", document.Title);
            ValidateText(errors, $"{field}.text", document.Text, RequestLimits.MaxIngestTextLength);
            valid.Add(new IngestDocument(document.Id ?? string.Empty, document.Title, document.Text ?? string.Empty, document.Metadata));
        }

        ValidateUniqueIds(errors, documents);

        return errors.Count > 0
            ? ValidationOutcome<IReadOnlyList<IngestDocument>>.Invalid(errors)
            : ValidationOutcome<IReadOnlyList<IngestDocument>>.Valid(valid);
    }

    private static void ValidateUniqueIds(Errors errors, IReadOnlyList<DocumentBody?> documents)
    {
        var duplicate = documents.Where(d => d?.Id is not null).GroupBy(d => d!.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            errors.Add("documents", $"Document id '{RequestLimits.Shorten(duplicate.Key)}' appears more than once in the request.");
        }
    }

    private static void ValidateId(Errors errors, string field, string id)
    {
        if (!RequestLimits.IsValidDocumentId(id))
        {
            errors.Add(field, $"A document id must be 1 to {RequestLimits.MaxDocumentIdLength} characters without control characters.");
        }
    }

    private static void ValidateTitle(Errors errors, string field, string? title)
    {
        if (title is { Length: > RequestLimits.MaxTitleLength })
        {
            errors.Add(field, $"A title can have at most {RequestLimits.MaxTitleLength} characters.");
        }
    }

    private static void ValidateText(Errors errors, string field, string? text, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            errors.Add(field, "The text is required and must not be empty.");
        }
        else if (text.Length > maxLength)
        {
            errors.Add(field, $"The text has {text.Length} characters; at most {maxLength} are allowed.");
        }
    }

    private static bool TryParseMode(string value, out QueryMode mode)
    {
        switch (value.Trim().ToLowerInvariant())
        {
            case "speculative":
                mode = QueryMode.Speculative;
                return true;
            case "standard":
                mode = QueryMode.Standard;
                return true;
            default:
                mode = default;
                return false;
        }
    }

    private sealed class Errors : Dictionary<string, string[]>
    {
        public void Add(string field, string message) =>
            this[field] = TryGetValue(field, out var existing) ? [.. existing, message] : [message];
    }
}

/// <summary>Either a valid value or the errors, by field, that made it invalid.</summary>
public sealed record ValidationOutcome<T>(T? Value, IDictionary<string, string[]> Errors)
{
    public bool IsValid => Errors.Count == 0;

    public static ValidationOutcome<T> Valid(T value) => new(value, new Dictionary<string, string[]>());

    public static ValidationOutcome<T> Invalid(IDictionary<string, string[]> errors) => new(default, errors);
}
