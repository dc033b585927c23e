using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Orleans.SpecRag.Gateway.Validation;

/// <summary>
/// Reads an option such as <c>mode</c> from one of its names, in any case. Unlike the gateway's
/// <see cref="JsonStringEnumConverter"/>, it refuses numbers (<c>"mode": 1</c> is a client's mistake, not a choice),
/// and its error lists the names and repeats the value, which the problem then shows under the field.
/// </summary>
internal sealed class EnumNameConverter<TEnum> : JsonConverter<TEnum>
    where TEnum : struct, Enum
{
    private static readonly (TEnum Value, string Name)[] Names =
        [.. Enum.GetValues<TEnum>().Select(v => (v, JsonNamingPolicy.CamelCase.ConvertName(v.ToString())))];

    public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString()!.Trim() : null;
        foreach (var (value, name) in Names)
        {
            if (string.Equals(text, name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        var given = reader.TokenType switch
        {
            JsonTokenType.String => $"'{RequestLimits.Shorten(text)}'",
            JsonTokenType.Number => reader.HasValueSequence ? Encoding.UTF8.GetString(reader.ValueSequence) : Encoding.UTF8.GetString(reader.ValueSpan),
            JsonTokenType.StartObject => "an object",
            JsonTokenType.StartArray => "a list",
            _ => reader.TokenType.ToString().ToLowerInvariant(),
        };
        var names = Names.Select(n => $"'{n.Name}'").ToArray();
        throw new InvalidEnumValueException($"must be {string.Join(", ", names[..^1])} or {names[^1]}; it was {given}.");
    }

    public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Names.FirstOrDefault(n => n.Value.Equals(value)).Name ?? value.ToString());
}

/// <summary>
/// The OpenAPI side of <see cref="EnumNameConverter{TEnum}"/>: the document describes a property with a custom
/// converter as "any value", and shares that schema with every other use of the enum (the results' <c>mode</c> too).
/// </summary>
internal static class EnumNames
{
    public static Task DescribeAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = Nullable.GetUnderlyingType(context.JsonTypeInfo.Type) ?? context.JsonTypeInfo.Type;
        if (type.IsEnum && schema.Type is null && schema.Enum is not { Count: > 0 })
        {
            schema.Type = JsonSchemaType.String;
            schema.Enum = [.. Enum.GetNames(type).Select(n => (JsonNode)JsonValue.Create(JsonNamingPolicy.CamelCase.ConvertName(n)))];
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// A JSON value that is not one of its option's names. Its message completes the field's name ("mode must be ..."):
/// the converter does not know the field, the problem does (<see cref="JsonException.Path"/>).
/// </summary>
public sealed class InvalidEnumValueException(string message) : JsonException(message);
