using System.Text.Json.Serialization;

namespace Orleans.SpecRag.Gateway.Validation;

/// <summary>
/// The JSON body of <c>POST /v1/query</c>. Everything is nullable so that "missing" can be told apart and
/// reported; an unknown field is an error, so a misspelt option (<c>"draft": 3</c>) is not silently ignored.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record QueryRequestBody(
    string? Question,
    string? Collection,
    IReadOnlyList<DocumentBody?>? Documents,
    int? TopK,
    int? Drafts,
    int? DocsPerDraft,
    string? Mode,
    int? Seed,
    int? DeadlineMs = null,
    bool? Stream = null,
    string? Retrieval = null,
    IReadOnlyList<string?>? Choices = null,
    string? Sampling = null);

/// <summary>A document, either inline in a query (<c>id</c> optional) or for ingestion (<c>id</c> required).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record DocumentBody(
    string? Id,
    string? Title,
    string? Text,
    Dictionary<string, string>? Metadata);

/// <summary>The JSON body of <c>POST /v1/collections/{name}/documents</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record IngestRequestBody(IReadOnlyList<DocumentBody?>? Documents);
