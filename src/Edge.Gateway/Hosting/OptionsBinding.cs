using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Edge.Gateway.Hosting;

/// <summary>What went wrong binding each options type: unknown keys and values that do not convert, by key path.</summary>
public sealed class BindingProblems
{
    private readonly ConcurrentDictionary<Type, IReadOnlyList<string>> _problems = new();

    /// <summary>Records the problems found binding <paramref name="type"/> (replacing earlier ones).</summary>
    public void Set(Type type, IReadOnlyList<string> problems) => _problems[type] = problems;

    /// <summary>The problems found binding <typeparamref name="T"/>.</summary>
    public IReadOnlyList<string> Of<T>() => _problems.TryGetValue(typeof(T), out IReadOnlyList<string>? p) ? p : [];
}

/// <summary>
/// The one options pattern of the gateway: each area's options class is bound once from its section, validated at
/// start by the area's <see cref="IValidateOptions{TOptions}"/>, and the validated <see cref="IOptions{TOptions}"/> is
/// what the area receives. Binding never throws: unknown keys and values that do not convert are recorded and reported
/// by the validator with every other problem, each naming its key.
/// </summary>
public static class OptionsBinding
{
    /// <summary>Binds <typeparamref name="T"/> from <paramref name="section"/> and validates it with <typeparamref name="TValidator"/> at start.</summary>
    public static OptionsBuilder<T> AddValidatedOptions<T, TValidator>(this IServiceCollection services, string section)
        where T : class, new()
        where TValidator : class, IValidateOptions<T> =>
        services.AddValidatedOptions<T, TValidator>((configuration, options) => Bind(configuration.GetSection(section), options));

    /// <summary>As above, with a binding of the area's own (for a list bound element by element).</summary>
    public static OptionsBuilder<T> AddValidatedOptions<T, TValidator>(this IServiceCollection services, Func<IConfiguration, T, IReadOnlyList<string>> bind)
        where T : class, new()
        where TValidator : class, IValidateOptions<T>
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<BindingProblems>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<T>, TValidator>());
        return services.AddOptions<T>()
            .Configure<IConfiguration, BindingProblems>((options, configuration, problems) => problems.Set(typeof(T), bind(configuration, options)))
            .ValidateOnStart();
    }

    /// <summary>Binds <paramref name="section"/> into <paramref name="target"/>; returns the problems (unknown keys first, then a value that does not convert).</summary>
    public static IReadOnlyList<string> Bind<T>(IConfigurationSection section, T target)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(section);
        List<string> problems = [.. ConfigurationKeys.Unknown(section, typeof(T))];
        if (problems.Count > 0)
        {
            return problems;
        }

        try
        {
            section.Bind(target);
        }
        catch (InvalidOperationException ex)
        {
            // The binder's message names the key and the value it could not convert.
            problems.Add(ConfigurationKeys.Explain(ex.Message, typeof(T)));
        }

        return problems;
    }

    /// <summary>
    /// Binds one element of a list section on its own (the binder silently skips an element it cannot convert, and a
    /// shelf or a screen must never vanish over a typo): added, with its path for problems that name the key, only when
    /// it bound cleanly; its problems go to <paramref name="problems"/>.
    /// </summary>
    public static void BindElement<T>(IConfigurationSection child, List<T> into, List<string> paths, List<string> problems)
        where T : class, new()
    {
        ArgumentNullException.ThrowIfNull(child);
        ArgumentNullException.ThrowIfNull(into);
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(problems);
        var element = new T();
        IReadOnlyList<string> found = Bind(child, element);
        problems.AddRange(found);
        if (found.Count == 0)
        {
            into.Add(element);
            paths.Add(child.Path);
        }
    }

    /// <summary>A validation result from a list of problems (success when empty).</summary>
    public static ValidateOptionsResult Result(IEnumerable<string> problems)
    {
        List<string> all = [.. problems];
        return all.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(all);
    }
}

/// <summary>
/// Validates one area's options: the problems binding found (unknown keys, values that do not convert) or, when it
/// bound cleanly, the area's own rules. Every problem names its key as it is written in <c>appsettings.json</c>.
/// </summary>
public abstract class SectionValidator<T>(BindingProblems binding) : IValidateOptions<T>
    where T : class
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, T options)
    {
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<string> bound = binding.Of<T>();
        // A section that did not bind is not judged further: its defaults would only add noise to the real problem.
        return OptionsBinding.Result(bound.Count > 0 ? bound : Problems(options));
    }

    /// <summary>The area's own rules.</summary>
    protected abstract IEnumerable<string> Problems(T options);
}
