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
        var addresses = new List<string>();
        if (configuration["urls"] is { Length: > 0 } urls)
        {
            addresses.AddRange(urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }

        foreach (var (key, scheme) in new[] { ("http_ports", "http"), ("https_ports", "https") })
        {
            if (configuration[key] is { Length: > 0 } ports)
            {
                addresses.AddRange(ports.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => $"{scheme}://*:{p}"));
            }
        }

        addresses.AddRange(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>());
        return addresses.Count > 0 ? addresses : ["http://localhost:5000"];
    }

    public static bool IsLoopback(string address)
    {
        var rest = address.Contains("://", StringComparison.Ordinal) ? address[(address.IndexOf("://", StringComparison.Ordinal) + 3)..] : address;
        var host = rest.StartsWith('[') ? rest[..(rest.IndexOf(']') + 1)] : rest.Split(':', '/')[0];
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
    }
}
