using Microsoft.AspNetCore.OpenApi;

namespace Orleans.SpecRag.Gateway.Validation;

public static class RequestValidation
{
    /// <summary>
    /// <c>AddValidation</c>: ASP.NET Core validates the endpoints' bodies by their annotations (<see cref="QueryRequestBody"/>
    /// and the rest) before a handler runs, and reports errors under the JSON field names. The OpenAPI document is told
    /// the names that the bodies' options (<see cref="EnumNameConverter{TEnum}"/>) take, which it cannot see for itself.
    /// </summary>
    public static IServiceCollection AddRequestValidation(this IServiceCollection services)
    {
        services.AddValidation(options => options.UseJsonFieldNames());
        services.ConfigureAll<OpenApiOptions>(options => options.AddSchemaTransformer(EnumNames.DescribeAsync));
        return services;
    }
}
