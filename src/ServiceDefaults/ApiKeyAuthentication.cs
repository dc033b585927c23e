using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Orleans.SpecRag.ServiceDefaults;

/// <summary>
/// API keys for operators and clients (configuration <c>SpecRag:Auth:ApiKeys</c>, a list or a comma-separated
/// string). Keys are compared in constant time on their SHA-256 hashes and never logged.
/// </summary>
public sealed class ApiKeyAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>Operator keys (<c>SpecRag:Auth:ApiKeys</c>): ingestion, deletion, the dashboard, and queries.</summary>
    public IReadOnlyList<byte[]> KeyHashes { get; set; } = [];

    /// <summary>Query-only keys (<c>SpecRag:Auth:QueryKeys</c>): they may ask questions and nothing else.</summary>
    public IReadOnlyList<byte[]> QueryKeyHashes { get; set; } = [];

    public bool HasKeys => KeyHashes.Count > 0;

    public const string OperatorRole = "operator";
    public const string QueryRole = "query";

    public static IReadOnlyList<string> ReadKeys(IConfiguration configuration, string key = "SpecRag:Auth:ApiKeys")
    {
        var section = configuration.GetSection(key);
        var keys = section.GetChildren().Select(c => c.Value).ToList();
        if (section.Value is { } single)
        {
            keys.AddRange(single.Split(',', StringSplitOptions.TrimEntries));
        }

        return keys.Where(k => !string.IsNullOrWhiteSpace(k)).Select(k => k!).Distinct().ToArray();
    }

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}

public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<ApiKeyAuthenticationOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<ApiKeyAuthenticationOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = Request.Headers[HeaderName].FirstOrDefault();
        if (presented is null && Request.Headers.Authorization.FirstOrDefault() is { } authorization
            && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            presented = authorization["Bearer ".Length..].Trim();
        }

        if (string.IsNullOrEmpty(presented))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        // Hashing first makes every comparison the same length, so timing reveals neither the key nor its length.
        var hash = ApiKeyAuthenticationOptions.Hash(presented);
        var role = Matches(hash, Options.KeyHashes) ? ApiKeyAuthenticationOptions.OperatorRole
            : Matches(hash, Options.QueryKeyHashes) ? ApiKeyAuthenticationOptions.QueryRole
            : null;
        if (role is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("The API key is not valid."));
        }

        // The key's hash prefix names the client for rate limiting; the key itself is never kept or logged.
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "key-" + Convert.ToHexString(hash, 0, 6)), new Claim(ClaimTypes.Role, role)], SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    private static bool Matches(byte[] hash, IReadOnlyList<byte[]> known)
    {
        var match = false;
        foreach (var candidate in known)
        {
            match |= CryptographicOperations.FixedTimeEquals(hash, candidate);
        }

        return match;
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = $"Bearer realm=\"specrag\", {HeaderName}";
        return Task.CompletedTask;
    }
}
