using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Orleans.SpecRag.Cli.Commands;

/// <summary>Where the gateway is and the key to it; every command takes these.</summary>
public class GatewaySettings : CommandSettings
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    [CommandOption("--url <URL>")]
    [Description("The gateway. Default: SPECRAG_URL, else " + DefaultUrl + " (the README's run command).")]
    public string? Url { get; set; }

    [CommandOption("--key <KEY>")]
    [Description("An API key (operator key for ingestion). Default: SPECRAG_API_KEY. A gateway on loopback without keys needs none.")]
    public string? Key { get; set; }

    /// <summary>The gateway's base address, ending in '/' so that relative API paths keep any prefix it has.</summary>
    public Uri GatewayUri
    {
        get
        {
            var url = Url ?? Environment.GetEnvironmentVariable("SPECRAG_URL") ?? DefaultUrl;
            return new Uri(url.EndsWith('/') ? url : url + "/");
        }
    }

    public string? ApiKey => Key ?? Environment.GetEnvironmentVariable("SPECRAG_API_KEY");

    public override ValidationResult Validate() =>
        Uri.TryCreate(Url ?? Environment.GetEnvironmentVariable("SPECRAG_URL") ?? DefaultUrl, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? ValidationResult.Success()
            : ValidationResult.Error($"--url must be an http(s) URL; it was '{Url}'.");
}

/// <summary>Makes the HTTP client of a command; tests give one that talks to an in-memory gateway.</summary>
public sealed class GatewayConnector(Func<GatewaySettings, HttpMessageHandler?>? handler = null)
{
    public GatewayClient Connect(GatewaySettings settings)
    {
        var http = handler?.Invoke(settings) is { } custom ? new HttpClient(custom, disposeHandler: false) : new HttpClient();
        http.BaseAddress = settings.GatewayUri;
        http.Timeout = TimeSpan.FromMinutes(10);
        if (settings.ApiKey is { Length: > 0 } key)
        {
            http.DefaultRequestHeaders.Add("X-Api-Key", key);
        }

        return new GatewayClient(http);
    }
}
