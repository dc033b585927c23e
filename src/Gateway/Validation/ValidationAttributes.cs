using System.ComponentModel.DataAnnotations;

namespace Orleans.SpecRag.Gateway.Validation;

/// <summary>
/// A collection name, when one is given, follows <see cref="RequestLimits.CollectionNameRule"/>. Not a
/// <see cref="RegularExpressionAttribute"/>: that one lets an empty string through, and names must not be empty.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class CollectionNameAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        value is null || (value is string name && RequestLimits.IsValidCollectionName(name))
            ? ValidationResult.Success
            : new ValidationResult(
                $"'{RequestLimits.Shorten(value as string)}' is not a valid collection name ({RequestLimits.CollectionNameRule}).",
                MemberOf(validationContext));

    internal static string[]? MemberOf(ValidationContext context) => context.MemberName is { } member ? [member] : null;
}

/// <summary>A document id, when one is given, has 1 to <see cref="RequestLimits.MaxDocumentIdLength"/> characters and no control characters.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class DocumentIdAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        value is null || (value is string id && RequestLimits.IsValidDocumentId(id))
            ? ValidationResult.Success
            : new ValidationResult(
                $"A document id must be 1 to {RequestLimits.MaxDocumentIdLength} characters without control characters.",
                CollectionNameAttribute.MemberOf(validationContext));
}
