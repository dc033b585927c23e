using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Orleans.SpecRag.Gateway.Validation;

namespace Orleans.SpecRag.Gateway.Problems;

/// <summary>
/// Turns exceptions into RFC 7807 problems: a client's mistake is a 4xx that says what is wrong, a missing
/// silo role is a 503 that names the role, and anything else is a 500 that leaks no internals.
/// </summary>
public sealed class SpecRagExceptionHandler(IProblemDetailsService problems, ILogger<SpecRagExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail, extensions) = Describe(exception);
        if (status >= 500 && exception is not (DraftersBusyException or RoleUnavailableException or DeadlineExceededException
            or Apis.GatewayBusyException or Apis.ClusterUnavailableException or TimeoutException))
        {
            logger.LogError(exception, "Request {Method} {Path} failed", context.Request.Method, context.Request.Path);
        }
        else
        {
            logger.LogInformation("Request {Method} {Path} rejected with {Status}: {Detail}", context.Request.Method, context.Request.Path, status, detail);
        }

        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            context.Response.Headers.RetryAfter = "5";
        }

        context.Response.StatusCode = status;
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Title = title, Detail = detail };
        foreach (var (key, value) in extensions)
        {
            problem.Extensions[key] = value;
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>The status, title, detail and extensions a problem for this exception has (also used inside event streams).</summary>
    public static (int Status, string Title, string Detail, IReadOnlyDictionary<string, object?> Extensions) Describe(Exception exception)
    {
        var root = exception is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerExceptions[0] : exception;
        return root switch
        {
            BadHttpRequestException { InnerException: JsonException json } => (400, JsonTitle(json), DescribeJson(json), JsonErrors(json)),
            BadHttpRequestException bad => (bad.StatusCode, ReasonTitle(bad.StatusCode), bad.Message, Empty),
            System.Text.DecoderFallbackException => (400, "The request body is not valid UTF-8",
                "The body contains bytes that are not valid UTF-8 text.", Empty),
            JsonException json => (400, JsonTitle(json), DescribeJson(json), JsonErrors(json)),
            RoleUnavailableException role => (503, "A required silo role is unavailable", role.Message,
                new Dictionary<string, object?> { ["missingRole"] = role.Role }),
            DeadlineExceededException late => (504, "No draft arrived before the deadline", late.Message,
                new Dictionary<string, object?> { ["deadlineMs"] = late.DeadlineMs, ["missingDrafts"] = late.Missing }),
            DraftersBusyException busy => (503, "The drafter silos are at capacity", busy.Message,
                new Dictionary<string, object?> { ["maxInFlight"] = busy.MaxInFlight }),
            DraftsFailedException failed => (503, "Every draft failed", failed.Message,
                new Dictionary<string, object?> { ["failedDrafts"] = failed.Failures }),
            CollectionNotFoundException missing => (404, "Collection not found", missing.Message,
                new Dictionary<string, object?> { ["collection"] = missing.Collection }),
            EmptyCollectionException empty => (422, "Collection is empty", empty.Message,
                new Dictionary<string, object?> { ["collection"] = empty.Collection }),
            NoMatchingPassagesException none => (422, "No passage matches", none.Message,
                new Dictionary<string, object?> { ["collection"] = none.Collection, ["retrieval"] = none.Mode.ToString().ToLowerInvariant() }),
            Apis.GatewayBusyException busy => (503, "The gateway is at capacity", busy.Message,
                new Dictionary<string, object?> { ["maxQueued"] = busy.MaxQueued }),
            Apis.ClusterUnavailableException unavailable => (503, "The cluster could not be reached", unavailable.Message, Empty),
            // A silo or network fault that reached here without a retry (it is never the caller's fault, nor a bug of the request).
            _ when TransientFaults.IsTransient(root) && root.GetBaseException() is not TimeoutException => (503, "The cluster could not be reached",
                $"A silo or gateway was unavailable ({root.GetBaseException().GetType().Name}); try again shortly.", Empty),
            OperationCanceledException => (499, "Request cancelled", "The client closed the request before it completed.", Empty),
            TimeoutException => (504, "The cluster did not answer in time", "A grain call timed out; see the trace for where.", Empty),
            _ => (500, "Unexpected error", "The service failed to process the request. The trace id identifies it in the logs.", Empty),
        };
    }

    private static readonly IReadOnlyDictionary<string, object?> Empty = new Dictionary<string, object?>();

    // An unknown option is well-formed JSON: it is titled as the validation problems of the other fields are.
    private static string JsonTitle(JsonException json) =>
        json is InvalidEnumValueException ? "One or more validation errors occurred." : "The request body is not valid JSON";

    private static string DescribeJson(JsonException json)
    {
        if (json is InvalidEnumValueException)
        {
            return JsonMessage(json);
        }

        var where = string.IsNullOrEmpty(json.Path) ? "the body" : $"'{FieldName(json.Path)}'";
        return $"The JSON value at {where} could not be read (line {json.LineNumber + 1}, byte {json.BytePositionInLine}). "
            + "Check the field types: strings in quotes, numbers as integers, lists in brackets.";
    }

    private static IReadOnlyDictionary<string, object?> JsonErrors(JsonException json) =>
        new Dictionary<string, object?>
        {
            ["errors"] = new Dictionary<string, string[]>
            {
                [string.IsNullOrEmpty(json.Path) ? "$" : FieldName(json.Path)] = [JsonMessage(json)],
            },
        };

    // Only an option's own error is shown: System.Text.Json's messages name CLR types, not the API's fields.
    private static string JsonMessage(JsonException json) => json is InvalidEnumValueException && !string.IsNullOrEmpty(json.Path)
        ? $"{FieldName(json.Path)} {json.Message}"
        : "The value is malformed or has the wrong type.";

    // "$.documents[0].text" → "documents[0].text": the names the API documents.
    private static string FieldName(string path) => path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;

    private static string ReasonTitle(int status) => status switch
    {
        413 => "Request body too large",
        415 => "Unsupported media type",
        _ => "Bad request",
    };
}
