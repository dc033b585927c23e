using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Orleans.SpecRag.Cli.Commands;

public sealed class IngestSettings : GatewaySettings
{
    [CommandArgument(0, "<PATH>")]
    [Description("Files or folders (folders are read recursively: .md, .markdown, .txt, .html, .htm, .pdf, .docx).")]
    public string[] Paths { get; set; } = [];

    [CommandOption("-c|--collection <NAME>")]
    [Description("The collection to ingest into. Default: docs.")]
    public string Collection { get; set; } = "docs";

    public override ValidationResult Validate() =>
        Paths.FirstOrDefault(p => !File.Exists(p) && !Directory.Exists(p)) is { } missing
            ? ValidationResult.Error($"'{missing}' is neither a file nor a folder.")
            : base.Validate();
}

/// <summary>
/// <c>specrag ingest PATH… --collection NAME</c>: sends files to the gateway's file ingestion in batches, shows a
/// progress bar while the gateway's jobs run, then a summary of every file. Exit code 0 when every file was
/// ingested, 2 when some failed (their reasons are in the summary).
/// </summary>
public sealed class IngestCommand(IAnsiConsole console, GatewayConnector connector) : AsyncCommand<IngestSettings>
{
    public static readonly string[] Extensions = [".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx"];

    private const int BatchFiles = 20;
    // Below the gateway's default upload limit (SpecRag:Limits:UploadBytes, 256 MiB), so a batch is never refused whole.
    private const long BatchBytes = 64L * 1024 * 1024;
    private static readonly string[] SkippedFolders = [".git", "bin", "obj", "node_modules"];

    public override async Task<int> ExecuteAsync(CommandContext context, IngestSettings settings, CancellationToken cancellationToken)
    {
        var files = Collect(settings.Paths);
        if (files.Count == 0)
        {
            console.MarkupLine($"[yellow]Nothing to ingest:[/] no {string.Join(", ", Extensions)} files under {Markup.Escape(string.Join(", ", settings.Paths))}.");
            return 2;
        }

        var client = connector.Connect(settings);
        var outcomes = new List<FileOutcome>();

        // What cannot be sent fails here, on its own: an unreadable file, or a second file with a name already taken.
        var names = new HashSet<string>(StringComparer.Ordinal);
        var sendable = new List<UploadFile>();
        foreach (var file in files)
        {
            var problem = !names.Add(file.Name) ? "Another file of this run has the same name; rename one or ingest them separately." : Unreadable(file.Path);
            if (problem is null)
            {
                sendable.Add(file);
            }
            else
            {
                outcomes.Add(new FileOutcome(file.Name, file.Bytes, "failed", 0, 0, problem));
            }
        }

        await console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask($"ingesting {files.Count} files into [blue]{Markup.Escape(settings.Collection)}[/]", maxValue: files.Count);
                task.Increment(outcomes.Count);
                foreach (var batch in Batches(sendable))
                {
                    try
                    {
                        var job = await client.UploadAsync(settings.Collection, batch, cancellationToken);
                        var counted = 0;
                        while (true)
                        {
                            task.Increment(job.FilesDone - counted);
                            counted = job.FilesDone;
                            if (job.Done)
                            {
                                break;
                            }

                            await Task.Delay(250, cancellationToken);
                            job = await client.GetJobAsync(settings.Collection, job.Id, cancellationToken);
                        }

                        outcomes.AddRange(job.Files);
                    }
                    catch (GatewayException ex) when (ex.Status is >= 400 and < 500 && ex.Status != 401 && ex.Status != 403)
                    {
                        // The gateway refused this batch (too large, say): its files fail, the next batches still go.
                        outcomes.AddRange(batch.Select(f => new FileOutcome(f.Name, f.Bytes, "failed", 0, 0, ex.Message)));
                        task.Increment(batch.Count);
                    }
                }
            });

        var table = new Table().Border(TableBorder.Rounded).AddColumns("file", "status", "documents", "passages", "error");
        foreach (var outcome in outcomes)
        {
            table.AddRow(
                Markup.Escape(outcome.Name),
                outcome.Status == "ingested" ? "[green]ingested[/]" : "[red]failed[/]",
                outcome.Documents.ToString(System.Globalization.CultureInfo.InvariantCulture),
                outcome.Passages.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Markup.Escape(outcome.Error ?? string.Empty));
        }

        console.Write(table);
        var failed = outcomes.Count(o => o.Status != "ingested");
        console.MarkupLine($"{outcomes.Count - failed} of {outcomes.Count} files ingested into [blue]{Markup.Escape(settings.Collection)}[/]: " +
            $"{outcomes.Sum(o => o.Documents)} documents, {outcomes.Sum(o => o.Passages)} passages" + (failed > 0 ? $", [red]{failed} failed[/]" : string.Empty) + ".");
        return failed > 0 ? 2 : 0;
    }

    private static string? Unreadable(string path)
    {
        try
        {
            using var _ = File.OpenRead(path);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"The file cannot be read here: {ex.Message}";
        }
    }

    /// <summary>The files to send, named by their path relative to the folder given (or their own name).</summary>
    public static IReadOnlyList<UploadFile> Collect(IEnumerable<string> paths)
    {
        var files = new List<UploadFile>();
        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                files.Add(new UploadFile(Path.GetFileName(path), Path.GetFullPath(path), new FileInfo(path).Length));
                continue;
            }

            var root = Path.GetFullPath(path);
            foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
                if (relative.Split('/').SkipLast(1).Any(folder => folder.StartsWith('.') || SkippedFolders.Contains(folder))
                    || !Extensions.Contains(Path.GetExtension(file).ToLowerInvariant()))
                {
                    continue;
                }

                files.Add(new UploadFile(relative, file, new FileInfo(file).Length));
            }
        }

        return files;
    }

    private static IEnumerable<IReadOnlyList<UploadFile>> Batches(IReadOnlyList<UploadFile> files)
    {
        var batch = new List<UploadFile>();
        long bytes = 0;
        foreach (var file in files)
        {
            if (batch.Count > 0 && (batch.Count == BatchFiles || bytes + file.Bytes > BatchBytes))
            {
                yield return batch;
                batch = [];
                bytes = 0;
            }

            batch.Add(file);
            bytes += file.Bytes;
        }

        if (batch.Count > 0)
        {
            yield return batch;
        }
    }
}
