using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Validation;

namespace Orleans.SpecRag.Gateway.Validation;

// Resolvers and ValidateContext are marked experimental in ASP.NET Core 10.
#pragma warning disable ASP0029

/// <summary>
/// ASP.NET Core 10's validation keys its errors by CLR member path (<c>Documents[0].Text</c>) and has no option to
/// change that; clients send, and the API has always reported, the JSON field names (<c>documents[0].text</c>).
/// </summary>
public static class JsonFieldNames
{
    /// <summary>
    /// The endpoints' validation errors are keyed by JSON field names: each validated parameter is wrapped so that the
    /// keys it added are renamed as soon as it has been validated, before the problem is written.
    /// </summary>
    public static void UseJsonFieldNames(this ValidationOptions options) => options.Resolvers.Insert(0, new RenamingResolver(options));

    /// <summary>The JSON path of a CLR member path below <paramref name="root"/>: the property's JSON name, else camelCase.</summary>
    public static string Of(Type root, string memberPath)
    {
        if (memberPath.Length == 0)
        {
            return memberPath;
        }

        var type = (Type?)root;
        var segments = memberPath.Split('.');
        for (var i = 0; i < segments.Length; i++)
        {
            var bracket = segments[i].IndexOf('[', StringComparison.Ordinal);
            var name = bracket < 0 ? segments[i] : segments[i][..bracket];
            var property = type?.GetProperty(name, BindingFlags.Public | BindingFlags.Instance);
            segments[i] = (property?.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(name))
                + (bracket < 0 ? string.Empty : segments[i][bracket..]);
            type = bracket < 0 ? property?.PropertyType : ElementType(property?.PropertyType);
        }

        return string.Join('.', segments);
    }

    private static Type? ElementType(Type? list) =>
        list?.GetInterfaces().Append(list).FirstOrDefault(t => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];

    private sealed class RenamingResolver(ValidationOptions options) : IValidatableInfoResolver
    {
        // Types are found by the other resolvers: a parameter's validation reaches them through ValidationOptions.
        public bool TryGetValidatableTypeInfo(Type type, [NotNullWhen(true)] out IValidatableInfo? validatableInfo)
        {
            validatableInfo = null;
            return false;
        }

        public bool TryGetValidatableParameterInfo(ParameterInfo parameterInfo, [NotNullWhen(true)] out IValidatableInfo? validatableInfo)
        {
            foreach (var resolver in options.Resolvers)
            {
                if (resolver != this && resolver.TryGetValidatableParameterInfo(parameterInfo, out var inner))
                {
                    validatableInfo = new RenamingInfo(inner, parameterInfo.ParameterType);
                    return true;
                }
            }

            validatableInfo = null;
            return false;
        }
    }

    private sealed class RenamingInfo(IValidatableInfo inner, Type parameterType) : IValidatableInfo
    {
        public async Task ValidateAsync(object? value, ValidateContext context, CancellationToken cancellationToken)
        {
            // One context serves all of an endpoint's parameters: only the keys this parameter added are renamed.
            var earlier = context.ValidationErrors?.Keys.ToHashSet() ?? [];
            await inner.ValidateAsync(value, context, cancellationToken);
            if (context.ValidationErrors is not { } errors || errors.Count == earlier.Count)
            {
                return;
            }

            var renamed = new Dictionary<string, string[]>(errors.Count);
            foreach (var (key, messages) in errors)
            {
                var name = earlier.Contains(key) ? key : Of(parameterType, key);
                renamed[name] = renamed.TryGetValue(name, out var existing) ? [.. existing, .. messages] : messages;
            }

            context.ValidationErrors = renamed;
        }
    }
}
