using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Orleans.SpecRag.Hosting;

namespace Orleans.SpecRag.Gateway.Limits;

/// <summary>Per-client request budget (configuration section <c>SpecRag:RateLimit</c>).</summary>
public sealed class RateLimitOptions
{
    public const string Section = "SpecRag:RateLimit";

    /// <summary>Sustained requests per second per client; 0 turns rate limiting off.</summary>
    [Range(0, 1_000_000, ErrorMessage = "SpecRag:RateLimit:PermitsPerSecond must be between {1} and {2} (0 turns rate limiting off).")]
    public int PermitsPerSecond { get; set; } = 100;

    /// <summary>Requests a client may send at once before the sustained rate applies.</summary>
    [Range(1, 10_000_000, ErrorMessage = "SpecRag:RateLimit:Burst must be between {1} and {2}.")]
    public int Burst { get; set; } = 200;
}

/// <summary>
/// A token bucket per client, where a client is its API key (hashed, from authentication) or else its IP
/// address. A client over its budget gets 429 with Retry-After and a problem body; other clients are unaffected.
/// </summary>
public static class ClientRateLimiting
{
    public const string Policy = "per-client";

    public static IServiceCollection AddClientRateLimiting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<RateLimitOptions>(configuration, RateLimitOptions.Section);
        services.AddValidatedOptions<BodyLimits>(configuration, BodyLimits.Section);
        // The policy reads the validated budget when the limiter is first built, not while services are registered.
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((limiter, budget) =>
        {
            var options = budget.Value;
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(Policy, context =>
            {
                if (options.PermitsPerSecond <= 0)
                {
                    return RateLimitPartition.GetNoLimiter("unlimited");
                }

                var client = context.User.Identity?.IsAuthenticated == true
                    ? context.User.Identity.Name!
                    : context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
                return RateLimitPartition.GetTokenBucketLimiter(client, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = Math.Max(1, options.Burst),
                    TokensPerPeriod = options.PermitsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                var problems = context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
                await problems.WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many requests",
                        Detail = $"This client may send {options.PermitsPerSecond} requests a second (bursts of {options.Burst}). Retry after the time in Retry-After.",
                    },
                });
            };
        });
        return services;
    }
}

/// <summary>Request body limits per kind of endpoint (configuration section <c>SpecRag:Limits</c>).</summary>
public sealed class BodyLimits
{
    public const string Section = "SpecRag:Limits";

    /// <summary>Queries, including inline documents (up to 100 of 100,000 characters).</summary>
    [Range(1024, long.MaxValue, ErrorMessage = "SpecRag:Limits:QueryBytes must be at least {1}.")]
    public long QueryBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Ingestion batches (up to 1,000 documents).</summary>
    [Range(1024, long.MaxValue, ErrorMessage = "SpecRag:Limits:IngestBytes must be at least {1}.")]
    public long IngestBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>A file upload request (<c>POST /v1/collections/{name}/files</c>), all files together.</summary>
    [Range(1024, long.MaxValue, ErrorMessage = "SpecRag:Limits:UploadBytes must be at least {1}.")]
    public long UploadBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>One uploaded file; a larger one fails with its own error while the others are ingested.</summary>
    [Range(1024, long.MaxValue, ErrorMessage = "SpecRag:Limits:FileBytes must be at least {1}.")]
    public long FileBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>The validated limits, for endpoint metadata while routes are mapped.</summary>
    public static BodyLimits From(IServiceProvider services) => services.GetRequiredService<IOptions<BodyLimits>>().Value;
}
