using System.Collections;
using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Reflection;

namespace Orleans.SpecRag.Gateway.Validation;

/// <summary>
/// Applies the request bodies' annotations (<see cref="QueryRequestBody"/> and the rest) where no endpoint parameter
/// binds the body, so the endpoints' built-in validation does not run: the OpenAI endpoint's query, JSON and NDJSON
/// ingestion. It goes the built-in way, so that a body gets the same errors wherever it arrives: each member's
/// attributes (a failed <c>[Required]</c> alone), the bodies nested in it, then <see cref="IValidatableObject"/> if
/// nothing failed; errors are keyed by JSON field names. Pure: unit-tested without a server.
/// </summary>
public static class BodyValidator
{
    private static readonly ConcurrentDictionary<Type, PropertyInfo[]> Properties = new();

    public static ValidationOutcome<QueryRequest> Validate(QueryRequestBody body) =>
        Errors(body) is { Count: > 0 } errors
            ? ValidationOutcome<QueryRequest>.Invalid(errors)
            : ValidationOutcome<QueryRequest>.Valid(body.ToQueryRequest());

    public static ValidationOutcome<IReadOnlyList<IngestDocument>> Validate(IngestRequestBody body) =>
        Errors(body) is { Count: > 0 } errors
            ? ValidationOutcome<IReadOnlyList<IngestDocument>>.Invalid(errors)
            : ValidationOutcome<IReadOnlyList<IngestDocument>>.Valid(body.ToIngestDocuments());

    /// <summary>The errors of a body, by JSON field name (<c>documents[0].text</c>); empty when it is valid.</summary>
    public static Dictionary<string, string[]> Errors(object body)
    {
        var errors = new Dictionary<string, List<string>>();
        Collect(body, string.Empty, errors);
        return errors.ToDictionary(e => JsonFieldNames.Of(body.GetType(), e.Key), e => e.Value.ToArray());
    }

    private static void Collect(object instance, string path, Dictionary<string, List<string>> errors)
    {
        var before = errors.Count;
        foreach (var property in Properties.GetOrAdd(instance.GetType(), ValidatedProperties))
        {
            var key = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
            var value = property.GetValue(instance);
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateProperty(value, new ValidationContext(instance) { MemberName = property.Name }, results))
            {
                Add(errors, key, results);
            }

            if (value is IEnumerable items and not string)
            {
                var index = 0;
                foreach (var item in items)
                {
                    if (item is not null && IsBody(item.GetType()))
                    {
                        Collect(item, $"{key}[{index}]", errors);
                    }

                    index++;
                }
            }
            else if (value is not null && IsBody(value.GetType()))
            {
                Collect(value, key, errors);
            }
        }

        if (errors.Count == before && instance is IValidatableObject validatable)
        {
            foreach (var result in validatable.Validate(new ValidationContext(instance)))
            {
                foreach (var member in result.MemberNames.DefaultIfEmpty(string.Empty))
                {
                    Add(errors, path.Length == 0 ? member : member.Length == 0 ? path : $"{path}.{member}", [result]);
                }
            }
        }
    }

    private static void Add(Dictionary<string, List<string>> errors, string key, IEnumerable<ValidationResult> results)
    {
        if (!errors.TryGetValue(key, out var messages))
        {
            errors[key] = messages = [];
        }

        messages.AddRange(results.Select(r => r.ErrorMessage).OfType<string>());
    }

    private static PropertyInfo[] ValidatedProperties(Type type) =>
        [.. type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0)];

    private static bool IsBody(Type type) =>
        typeof(IValidatableObject).IsAssignableFrom(type)
        || Properties.GetOrAdd(type, ValidatedProperties).Any(p => p.IsDefined(typeof(ValidationAttribute), inherit: true));
}

/// <summary>Either a valid value or the errors, by field, that made it invalid.</summary>
public sealed record ValidationOutcome<T>(T? Value, IDictionary<string, string[]> Errors)
{
    public bool IsValid => Errors.Count == 0;

    public static ValidationOutcome<T> Valid(T value) => new(value, new Dictionary<string, string[]>());

    public static ValidationOutcome<T> Invalid(IDictionary<string, string[]> errors) => new(default, errors);
}
