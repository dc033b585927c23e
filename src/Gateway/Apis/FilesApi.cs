using System.Net.ServerSentEvents;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Orleans.SpecRag.Gateway.Files;
using Orleans.SpecRag.Gateway.Limits;
using Orleans.SpecRag.ServiceDefaults;

namespace Orleans.SpecRag.Gateway.Apis;

/// <summary>
/// Files in: <c>POST /v1/collections/{name}/files</c> takes a multipart form with one or more files in the field
/// <c>files</c> (Markdown, text, HTML, PDF, Word), answers 202 with a job at once, and ingests in the background; the
/// job reports every file's outcome (<c>GET …/jobs/{id}</c>, or as server-sent events at <c>…/jobs/{id}/events</c>).
/// A file that is unreadable, unsupported or too large fails on its own; the others are ingested.
/// </summary>
public static class FilesApi
{
    public const string FilesField = "files";

    /// <summary>Longest file name kept (its end); the document ids made from it stay within the id limit.</summary>
    public const int MaxFileNameLength = 160;

    /// <summary>Documents sent to the collection per call.</summary>
    public const int BatchDocuments = 200;

    /// <summary>Maps the file endpoints into the collections' route group (see <see cref="CollectionsApi"/>).</summary>
    public static RouteGroupBuilder MapFilesApi(this RouteGroupBuilder api, IConfiguration configuration, IWebHostEnvironment environment)
    {
        var limits = BodyLimits.From(((IEndpointRouteBuilder)api).ServiceProvider);

        api.MapPost("/{name}/files", UploadAsync)
            .RequireOperator(environment, configuration)
            .DisableAntiforgery()
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(limits.UploadBytes))
            .WithFormOptions(multipartBodyLengthLimit: limits.UploadBytes)
            .WithName("UploadFiles")
            .WithSummary("Ingest files (.md, .txt, .html, .pdf, .docx) sent as multipart form field 'files'; returns a job. With ?wait=true, answers when the job ends.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        api.MapGet("/{name}/jobs/{id}", GetJob)
            .RequireOperator(environment, configuration)
            .WithName("GetIngestionJob")
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/{name}/jobs/{id}/events", WatchJob)
            .RequireOperator(environment, configuration)
            .WithName("WatchIngestionJob")
            .WithSummary("The job as server-sent events: a 'progress' event on every change, then 'completed'.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        return api;
    }

    public static async Task<Results<Accepted<IngestionJob>, Ok<IngestionJob>, ValidationProblem, ProblemHttpResult>> UploadAsync(
        // [FromServices]: otherwise the validation generator takes the options for input and emits validation for them.
        string name, HttpRequest request, bool? wait, IGrainFactory grains, ClusterCalls cluster, IngestionJobs jobs, [Microsoft.AspNetCore.Mvc.FromServices] IOptions<BodyLimits> bodyLimits,
        IHostApplicationLifetime lifetime, ILogger<IngestionJobs> logger, CancellationToken cancellationToken)
    {
        if (!Validation.RequestLimits.IsValidCollectionName(name))
        {
            return CollectionsApi.InvalidName(name);
        }

        if (!request.HasFormContentType || request.ContentType?.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase) != true)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type",
                detail: $"Send files as multipart/form-data in the field '{FilesField}', not '{request.ContentType ?? "nothing"}'.");
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (InvalidDataException ex)
        {
            // A body that is not valid multipart (no boundary, a truncated part, a part over the limits).
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [FilesField] = [$"The multipart body cannot be read: {ex.Message}"] }, title: "Invalid upload");
        }

        var files = form.Files.GetFiles(FilesField);
        if (files.Count == 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                [FilesField] = [$"Send one or more files in the multipart field '{FilesField}' ({string.Join(", ", FileText.SupportedExtensions)})."],
            }, title: "No files");
        }

        // The form's files are gone when the request ends; the job reads its own copies.
        var limits = bodyLimits.Value;
        var folder = Directory.CreateTempSubdirectory("specrag-upload-").FullName;
        var staged = new List<(FileOutcome Outcome, string? Path)>();
        try
        {
            await StageAsync(files, limits, folder, staged, cancellationToken);
        }
        catch
        {
            // The client went away, or the disk is full: nothing was started, so nothing may be left behind.
            Directory.Delete(folder, recursive: true);
            throw;
        }

        var job = jobs.Start(name, staged.Select(s => s.Outcome).ToArray());
        job.Update(j => Progress(j));
        _ = Task.Run(() => RunAsync(job, grains.GetGrain<ICollectionGrain>(name), cluster, staged, folder, logger, lifetime.ApplicationStopping), CancellationToken.None);

        if (wait == true)
        {
            var done = await job.Completion.WaitAsync(cancellationToken);
            return TypedResults.Ok(done);
        }

        return TypedResults.Accepted($"/v1/collections/{Uri.EscapeDataString(name)}/jobs/{job.Current.Id}", job.Current);
    }

    /// <summary>Copies the acceptable files into the job's folder; the others are failed outcomes at once.</summary>
    private static async Task StageAsync(IReadOnlyList<IFormFile> files, BodyLimits limits, string folder, List<(FileOutcome Outcome, string? Path)> staged, CancellationToken cancellationToken)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < files.Count; i++)
        {
            var file = files[i];
            var fileName = FileName(file.FileName, i);
            if (!names.Add(fileName))
            {
                staged.Add((new FileOutcome(fileName, file.Length, FileOutcome.Failed, 0, 0,
                    "Another file of this upload has the same name; it would replace this one. Send them with distinct paths."), null));
                continue;
            }

            if (file.Length > limits.FileBytes)
            {
                staged.Add((new FileOutcome(fileName, file.Length, FileOutcome.Failed, 0, 0,
                    $"The file is {Megabytes(file.Length)}; at most {Megabytes(limits.FileBytes)} per file (SpecRag:Limits:FileBytes)."), null));
                continue;
            }

            if (!FileText.IsSupported(fileName))
            {
                staged.Add((new FileOutcome(fileName, file.Length, FileOutcome.Failed, 0, 0,
                    $"'{Path.GetExtension(fileName)}' files are not supported; send {string.Join(", ", FileText.SupportedExtensions)}."), null));
                continue;
            }

            var path = Path.Combine(folder, $"{i}.upload");
            await using (var target = File.Create(path))
            {
                await file.CopyToAsync(target, cancellationToken);
            }

            staged.Add((new FileOutcome(fileName, file.Length, FileOutcome.Pending, 0, 0, null), path));
        }
    }

    public static Results<Ok<IngestionJob>, ProblemHttpResult> GetJob(string name, string id, IngestionJobs jobs) =>
        jobs.Find(name, id) is { } job ? TypedResults.Ok(job.Current) : JobNotFound(name, id);

    public static Results<ServerSentEventsResult<IngestionJob>, ProblemHttpResult> WatchJob(string name, string id, IngestionJobs jobs, CancellationToken cancellationToken) =>
        jobs.Find(name, id) is { } job
            ? TypedResults.ServerSentEvents(Events(job, cancellationToken))
            : JobNotFound(name, id);

    private static async IAsyncEnumerable<SseItem<IngestionJob>> Events(IngestionJobs.Entry job, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var snapshot in job.WatchAsync(cancellationToken))
        {
            yield return new SseItem<IngestionJob>(snapshot, snapshot.Status == IngestionJob.Running ? "progress" : "completed");
        }
    }

    private static async Task RunAsync(IngestionJobs.Entry job, ICollectionGrain collection, ClusterCalls cluster, IReadOnlyList<(FileOutcome Outcome, string? Path)> staged,
        string folder, ILogger logger, CancellationToken stopping)
    {
        try
        {
            for (var i = 0; i < staged.Count; i++)
            {
                if (staged[i].Path is not { } path)
                {
                    continue;
                }

                var index = i;
                var outcome = staged[i].Outcome;
                try
                {
                    IReadOnlyList<IngestDocument> documents;
                    await using (var stream = File.OpenRead(path))
                    {
                        documents = FileDocuments.From(outcome.Name, FileText.Extract(outcome.Name, stream));
                    }

                    var passages = 0;
                    foreach (var batch in documents.Chunk(BatchDocuments))
                    {
                        stopping.ThrowIfCancellationRequested();
                        passages += (await cluster.IngestAsync(() => collection.UpsertAsync(batch), stopping)).Passages;
                    }

                    var kept = documents.Select(d => d.Id).ToArray();
                    var removed = await cluster.IngestAsync(() => collection.DeleteFileDocumentsAsync(outcome.Name, kept), stopping);
                    outcome = outcome with { Status = FileOutcome.Ingested, Documents = documents.Count, Passages = passages, Removed = removed };
                }
                catch (UnreadableFileException ex)
                {
                    outcome = outcome with { Status = FileOutcome.Failed, Error = ex.Message };
                }
                catch (Exception ex) when (!stopping.IsCancellationRequested)
                {
                    // A fault of the cluster, not of the file: the file can be sent again.
                    logger.LogWarning(ex, "Ingesting {File} into {Collection} failed", outcome.Name, job.Current.Collection);
                    outcome = outcome with { Status = FileOutcome.Failed, Error = $"The collection could not take the file ({ex.GetBaseException().GetType().Name}); send it again." };
                }

                job.Update(j => Progress(j with { Files = j.Files.Select((f, n) => n == index ? outcome : f).ToArray() }));
            }
        }
        finally
        {
            job.Update(j => Progress(j with
            {
                Files = j.Files.Select(f => f.Status == FileOutcome.Pending ? f with { Status = FileOutcome.Failed, Error = "The gateway stopped before this file was ingested." } : f).ToArray(),
                Status = IngestionJob.Completed,
                CompletedAt = DateTimeOffset.UtcNow,
            }));
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // A temporary folder left behind is the operating system's to clean.
            }
        }
    }

    private static IngestionJob Progress(IngestionJob job) => job with
    {
        FilesDone = job.Files.Count(f => f.Status != FileOutcome.Pending),
        DocumentsIngested = job.Files.Sum(f => f.Documents),
        PassagesIngested = job.Files.Sum(f => f.Passages),
    };

    /// <summary>
    /// The name a file is ingested under: its path as sent (a CLI sends paths relative to the folder it ingests, so
    /// "guides/setup.md" and "api/setup.md" stay apart), with '/' separators and no root, drive or '..' segments.
    /// </summary>
    public static string FileName(string? sent, int position)
    {
        var segments = (sent ?? string.Empty).Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries)
            .Where(s => s is not ("." or "..") && !s.EndsWith(':'))
            .Select(s => new string(s.Where(c => !char.IsControl(c)).ToArray()))
            .Where(s => s.Length > 0)
            .ToArray();
        var name = segments.Length > 0 ? string.Join('/', segments) : $"file-{position + 1}";
        // Room for "#section=NNN#part=NN" within the 200-character document id.
        return name.Length <= MaxFileNameLength ? name : name[^MaxFileNameLength..];
    }

    private static string Megabytes(long bytes) =>
        bytes < 1024 * 1024
            ? bytes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " bytes"
            : (bytes / (1024.0 * 1024.0)).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + " MB";

    private static ProblemHttpResult JobNotFound(string name, string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Job not found",
            detail: $"Collection '{name}' has no ingestion job '{(id.Length > 80 ? id[..80] + "…" : id)}' on this gateway (jobs are kept for {IngestionJobs.Retention.TotalHours:0} h after they end).");
}
