namespace Orleans.SpecRag;

/// <summary>Something that happened while a query ran, in the order it happened.</summary>
[GenerateSerializer, Immutable]
public abstract record QueryEvent
{
    /// <summary>Milliseconds since the query started.</summary>
    [Id(0)] public double ElapsedMs { get; init; }
}

/// <summary>The top-K passages were retrieved.</summary>
[GenerateSerializer, Immutable]
public sealed record RetrievedEvent([property: Id(0)] IReadOnlyList<Citation> Passages) : QueryEvent;

/// <summary>One draft arrived from a drafter silo.</summary>
[GenerateSerializer, Immutable]
public sealed record DraftEvent([property: Id(0)] Draft Draft) : QueryEvent;

/// <summary>One draft failed; the query goes on with the others.</summary>
[GenerateSerializer, Immutable]
public sealed record DraftFailedEvent([property: Id(0)] DraftFailure Failure) : QueryEvent;

/// <summary>The verifier scored the drafts that arrived.</summary>
[GenerateSerializer, Immutable]
public sealed record VerifiedEvent(
    [property: Id(0)] IReadOnlyList<ScoredDraft> Drafts,
    [property: Id(1)] int SelectedDraft,
    [property: Id(2)] string Scoring) : QueryEvent;

/// <summary>The final result, as <c>POST /v1/query</c> returns it.</summary>
[GenerateSerializer, Immutable]
public sealed record AnswerEvent([property: Id(0)] QueryResult Result) : QueryEvent;
