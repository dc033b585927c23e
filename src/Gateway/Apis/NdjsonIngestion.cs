using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.SpecRag.Gateway.Validation;

namespace Orleans.SpecRag.Gateway.Apis;

/// <summary>
/// Ingestion of an NDJSON upload (up to the ingestion body limit, 64 MiB by default) in bounded memory: a first pass
/// copies the body to a temporary file while validating every line (only the ids are kept, to find duplicates), so
/// an invalid line ingests nothing; a second pass reads it back and sends batches to the collection, two in flight
/// so that embedding never waits for a segment to be written. Should the cluster fail during the second pass, the
/// batches acknowledged before stay ingested; sending the upload again is safe, as unchanged documents are
/// recognised by their content and not embedded again.
/// </summary>
public static class NdjsonIngestion
{
    /// <summary>Documents per call to the collection: each call becomes one new segment per shard it touches.</summary>
    public const int BatchSize = 1000;

    private const int BatchesInFlight = 2;
    private const int MaxReportedErrors = 20;

    public static async Task<Results<Ok<IngestResult>, ValidationProblem, ProblemHttpResult>> IngestAsync(
        string name, HttpRequest request, ICollectionGrain collection, ClusterCalls cluster, JsonSerializerOptions options, CancellationToken cancellationToken)
    {
        var spool = Path.Combine(Path.GetTempPath(), $"specrag-ingest-{Guid.NewGuid():N}.ndjson");
        await using var file = new FileStream(spool, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        var errors = await SpoolAndValidateAsync(request.Body, file, options, cancellationToken);
        if (errors is not null)
        {
            return TypedResults.ValidationProblem(errors, title: "The NDJSON body is invalid");
        }

        file.Position = 0;
        using var reader = new StreamReader(file, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, 1 << 16, leaveOpen: true);
        var inFlight = new List<Task<IngestResult>>();
        var results = new List<IngestResult>();
        var batch = new List<IngestDocument>(BatchSize);
        // When one batch fails, the response is sent at once: the batch still in flight stops retrying with it.
        using var batches = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                batch.Add(JsonSerializer.Deserialize<DocumentBody>(line, options)!.ToIngestDocument());
                if (batch.Count == BatchSize)
                {
                    await SendAsync(batch.ToArray());
                    batch.Clear();
                }
            }

            if (batch.Count > 0)
            {
                await SendAsync(batch.ToArray());
            }

            results.AddRange(await Task.WhenAll(inFlight));
        }
        finally
        {
            await batches.CancelAsync();
            await Task.WhenAll(inFlight).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return TypedResults.Ok(new IngestResult(name, results.Sum(r => r.Added), results.Sum(r => r.Updated), results.Sum(r => r.Passages)));

        async Task SendAsync(IngestDocument[] documents)
        {
            if (inFlight.Count == BatchesInFlight)
            {
                var finished = await Task.WhenAny(inFlight);
                inFlight.Remove(finished);
                results.Add(await finished);
            }

            inFlight.Add(cluster.IngestAsync(() => collection.UpsertAsync(documents), batches.Token));
        }
    }

    /// <summary>Null when every line is a valid document with a unique id; otherwise the first errors, by line.</summary>
    private static async Task<Dictionary<string, string[]>?> SpoolAndValidateAsync(
        Stream body, FileStream spool, JsonSerializerOptions options, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        using var reader = new StreamReader(body, new UTF8Encoding(false, throwOnInvalidBytes: true));
        await using var writer = new StreamWriter(spool, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
        var lineNumber = 0;
        var documents = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var field = $"line {lineNumber}";
            DocumentBody? document;
            try
            {
                document = JsonSerializer.Deserialize<DocumentBody>(line, options);
            }
            catch (JsonException ex)
            {
                errors[field] = [$"Not a JSON document object: {ex.Message}"];
                if (errors.Count >= MaxReportedErrors)
                {
                    break;
                }

                continue;
            }

            if (document is null)
            {
                errors[field] = ["A document must be an object with an 'id' and a 'text'."];
            }
            else if (BodyValidator.Errors(document) is { Count: > 0 } invalid)
            {
                errors[field] = [.. invalid.SelectMany(e => e.Value.Select(message => $"{e.Key}: {message}"))];
            }
            else if (!ids.Add(document.Id!))
            {
                errors[field] = [$"Document id '{(document.Id!.Length > 80 ? document.Id[..80] + "…" : document.Id)}' appears more than once in the upload."];
            }

            if (errors.Count >= MaxReportedErrors)
            {
                break;
            }

            documents++;
            await writer.WriteLineAsync(line.AsMemory(), cancellationToken);
        }

        if (errors.Count == 0 && documents == 0)
        {
            errors["documents"] = ["At least one document is required."];
        }

        await writer.FlushAsync(cancellationToken);
        return errors.Count > 0 ? errors : null;
    }
}
