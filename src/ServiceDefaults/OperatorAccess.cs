using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Orleans.SpecRag.ServiceDefaults;

/// <summary>How operator endpoints (ingestion, deletion, the dashboard) are opened.</summary>
public enum OperatorAccessMode
{
    /// <summary>Operator keys are configured (<c>SpecRag:Auth:ApiKeys</c>): they are required.</summary>
    ConfiguredKeys,

    /// <summary>Development without keys: open, as before.</summary>
    Open,

    /// <summary>No keys, and the host listens only on loopback: clients on this machine need no key, as with Ollama or Qdrant.</summary>
    LoopbackWithoutKey,

    /// <summary>No keys, and the host listens beyond loopback: a key generated at start, printed once, is required.</summary>
    GeneratedKey,
}

/// <summary>
/// Decides at start-up how operator endpoints are protected, from the keys and the addresses the host listens on
/// (<c>urls</c>, <c>http_ports</c>/<c>https_ports</c>, <c>Kestrel:Endpoints</c>; with none of them Kestrel listens on
/// <c>http://localhost:5000</c>). Safe by default and usable at once: a gateway nobody else can reach needs no key,
/// one others can reach never runs without one.
/// </summary>
public sealed class OperatorAccess
{
    private OperatorAccess(OperatorAccessMode mode, IReadOnlyList<string> addresses, string? generatedKey)
    {
        Mode = mode;
        Addresses = addresses;
        GeneratedKey = generatedKey;
    }

    public OperatorAccessMode Mode { get; }

    /// <summary>The addresses the host was configured to listen on.</summary>
    public IReadOnlyList<string> Addresses { get; }

    /// <summary>The operator key made at start when <see cref="Mode"/> is <see cref="OperatorAccessMode.GeneratedKey"/>.</summary>
    public string? GeneratedKey { get; }

    public static OperatorAccess Decide(IConfiguration configuration, IHostEnvironment environment)
    {
        var addresses = ListenAddresses(configuration);
        if (ApiKeyAuthenticationOptions.ReadKeys(configuration).Count > 0)
        {
            return new(OperatorAccessMode.ConfiguredKeys, addresses, null);
        }

        if (environment.IsDevelopment())
        {
            return new(OperatorAccessMode.Open, addresses, null);
        }

        return addresses.All(IsLoopback)
            ? new(OperatorAccessMode.LoopbackWithoutKey, addresses, null)
            : new(OperatorAccessMode.GeneratedKey, addresses, "sr-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant());
    }

    /// <summary>Whether this request may use operator endpoints without a key.</summary>
    public bool AllowsWithoutKey(HttpContext? context) =>
        Mode == OperatorAccessMode.LoopbackWithoutKey && context?.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote);

    /// <summary>What the host prints at start about operator access; null when there is nothing to say.</summary>
    public string? Announcement => Mode switch
    {
        OperatorAccessMode.LoopbackWithoutKey =>
            $"No operator key is configured and this host listens only on loopback ({string.Join(", ", Addresses)}): ingestion, deletion and the dashboard are open to clients on this machine without a key. Set SpecRag:Auth:ApiKeys to require one.",
        OperatorAccessMode.GeneratedKey =>
            $"No operator key is configured and this host listens on {string.Join(", ", Addresses)}: generated the operator key for this run, send it as 'Authorization: Bearer KEY' or 'X-Api-Key: KEY' for ingestion, deletion and the dashboard:{Environment.NewLine}    {GeneratedKey}{Environment.NewLine}Set SpecRag:Auth:ApiKeys to choose your own.",
        _ => null,
    };

    public static IReadOnlyList<string> ListenAddresses(IConfiguration configuration)
    {
        var listen = configuration.Get<ListenSettings>() ?? new ListenSettings();
        var addresses = new List<string>();
        addresses.AddRange(Split(listen.Urls));
        addresses.AddRange(Split(listen.HttpPorts).Select(p => $"http://*:{p}"));
        addresses.AddRange(Split(listen.HttpsPorts).Select(p => $"https://*:{p}"));
        addresses.AddRange(listen.Kestrel?.Endpoints?.Values.Select(e => e.Url).OfType<string>() ?? []);
        return addresses.Count > 0 ? addresses : ["http://localhost:5000"];
    }

    private static IEnumerable<string> Split(string? list) =>
        list?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];

    /// <summary>The host's own listening settings, as ASP.NET Core reads them (root keys, not SpecRag's).</summary>
    private sealed class ListenSettings
    {
        public string? Urls { get; init; }

        [ConfigurationKeyName("http_ports")]
        public string? HttpPorts { get; init; }

        [ConfigurationKeyName("https_ports")]
        public string? HttpsPorts { get; init; }

        public KestrelSettings? Kestrel { get; init; }
    }

    private sealed class KestrelSettings
    {
        public Dictionary<string, KestrelEndpoint>? Endpoints { get; init; }
    }

    private sealed class KestrelEndpoint
    {
        public string? Url { get; init; }
    }

    public static bool IsLoopback(string address)
    {
        var rest = address.Contains("://", StringComparison.Ordinal) ? address[(address.IndexOf("://", StringComparison.Ordinal) + 3)..] : address;
        var host = rest.StartsWith('[') ? rest[..(rest.IndexOf(']') + 1)] : rest.Split(':', '/')[0];
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
    }
}
