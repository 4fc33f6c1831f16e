using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DocQa.Core.Configuration;

/// <summary>How every options class is registered: bound from its configuration section and validated when the host starts.</summary>
public static class ConfiguredOptions
{
    /// <summary>
    /// Binds <typeparamref name="T"/> to <paramref name="section"/> and checks its data annotations (and
    /// <see cref="IValidatableObject"/>) at start, so that a nonsense value stops start-up with the key to fix.
    /// </summary>
    public static OptionsBuilder<T> AddConfiguredOptions<T>(this IServiceCollection services, IConfiguration configuration, string section)
        where T : class
    {
        services.AddSingleton<IValidateOptions<T>>(new SectionValidator<T>(section));
        return services.AddOptions<T>().Bind(configuration.GetSection(section)).ValidateOnStart();
    }
}

/// <summary>Data annotation validation whose messages name the configuration key (Section:Property) and the value found there.</summary>
public sealed class SectionValidator<T>(string section) : IValidateOptions<T> where T : class
{
    public ValidateOptionsResult Validate(string? name, T options)
    {
        var results = new List<ValidationResult>();
        if (Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
            return ValidateOptionsResult.Success;
        return ValidateOptionsResult.Fail(results.Select(result => Describe(options, result)));
    }

    private string Describe(T options, ValidationResult result)
    {
        var message = result.ErrorMessage ?? "is not valid";
        if (message.StartsWith(section + ":", StringComparison.Ordinal) || result.MemberNames.FirstOrDefault() is not { } member)
            return message;
        var value = typeof(T).GetProperty(member)?.GetValue(options);
        return $"{section}:{member} ({value}) is not valid: {message}";
    }
}
