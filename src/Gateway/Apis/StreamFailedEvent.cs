namespace Orleans.SpecRag.Gateway.Apis;

/// <summary>
/// The last event of a stream whose query failed after the response had started: the problem the same failure gets as
/// a plain response (status, title, detail and its extensions, such as the missing drafts). Made by the gateway only.
/// </summary>
public sealed record StreamFailedEvent(int Status, string Title, string Detail, IReadOnlyDictionary<string, object?> Extensions) : QueryEvent
{
    public IReadOnlyDictionary<string, object?> Problem => new Dictionary<string, object?>(Extensions)
    {
        ["type"] = $"https://tools.ietf.org/html/rfc9110#section-15.{(Status >= 500 ? 6 : 5)}",
        ["status"] = Status,
        ["title"] = Title,
        ["detail"] = Detail,
    };
}
