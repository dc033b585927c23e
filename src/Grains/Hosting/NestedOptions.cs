using System.ComponentModel.DataAnnotations;

namespace Orleans.SpecRag.Hosting;

/// <summary>
/// Data-annotation validation stops at the top level of an options class; its sections (<c>Hedging</c>, <c>Ann</c> …)
/// are checked here by the parent's <see cref="IValidatableObject.Validate"/>, with the same messages naming their keys.
/// </summary>
public static class NestedOptions
{
    public static IEnumerable<ValidationResult> Validate(params object[] sections)
    {
        foreach (var section in sections)
        {
            var results = new List<ValidationResult>();
            Validator.TryValidateObject(section, new ValidationContext(section), results, validateAllProperties: true);
            foreach (var result in results)
            {
                yield return result;
            }
        }
    }
}
