using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Edge.Gateway.Hosting;

/// <summary>
/// The keys an options class accepts, walked by reflection the way the configuration binder binds them: unknown keys
/// are named by their path (<c>Gateway:Idd is not a known key</c>), every key of a section can be listed (the README's
/// configuration reference is checked against that list), and the binder's conversion errors are said without C#
/// type names.
/// </summary>
public static partial class ConfigurationKeys
{
    /// <summary>Every key under <paramref name="section"/> that <paramref name="type"/> does not bind, as "… is not a known key".</summary>
    public static IEnumerable<string> Unknown(IConfigurationSection section, Type type)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(type);
        foreach (IConfigurationSection child in section.GetChildren())
        {
            foreach (string problem in UnknownIn(child, type))
            {
                yield return problem;
            }
        }
    }

    /// <summary>Every leaf key of <paramref name="type"/> under <paramref name="prefix"/>; list indices are written <c>N</c>.</summary>
    public static IEnumerable<string> All(Type type, string prefix)
    {
        ArgumentNullException.ThrowIfNull(type);
        foreach (PropertyInfo property in Bindable(type))
        {
            string path = prefix + ":" + property.Name;
            Type t = property.PropertyType;
            if (IsLeaf(t))
            {
                yield return path;
            }
            else if (ElementOf(t) is { } element)
            {
                foreach (string key in IsLeaf(element) ? [path + ":N"] : All(element, path + ":N"))
                {
                    yield return key;
                }
            }
            else
            {
                foreach (string key in All(t, path))
                {
                    yield return key;
                }
            }
        }
    }

    /// <summary>
    /// Rewrites the binder's "Failed to convert configuration value 'x' at 'A:B' to type 'System.Double'" as
    /// "A:B: 'x' is not a number"; other messages pass unchanged.
    /// </summary>
    public static string Explain(string binderMessage, Type optionsType)
    {
        ArgumentNullException.ThrowIfNull(binderMessage);
        Match m = ConversionError().Match(binderMessage);
        if (!m.Success)
        {
            return binderMessage;
        }

        Type? target = Type.GetType(m.Groups["type"].Value) ?? FindType(optionsType, m.Groups["type"].Value);
        return $"{m.Groups["path"].Value}: '{m.Groups["value"].Value}' is not {Expected(target)}";
    }

    private static IEnumerable<string> UnknownIn(IConfigurationSection section, Type type)
    {
        if (IsLeaf(type))
        {
            // A value was expected here, and the configuration has keys under it.
            yield return $"{section.Path} is not a known key";
            yield break;
        }

        if (ElementOf(type) is { } element)
        {
            foreach (IConfigurationSection item in section.GetChildren())
            {
                bool isMap = typeof(IDictionary).IsAssignableFrom(type);
                if (!isMap && !int.TryParse(item.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    yield return $"{item.Path} is not a known key (a list takes 0, 1, 2, …)";
                    continue;
                }

                if (!IsLeaf(element))
                {
                    foreach (IConfigurationSection child in item.GetChildren())
                    {
                        foreach (string p in UnknownIn(child, element))
                        {
                            yield return p;
                        }
                    }
                }
                else if (item.GetChildren().Any())
                {
                    yield return $"{item.Path} is not a known key";
                }
            }

            yield break;
        }

        PropertyInfo? property = Bindable(type).FirstOrDefault(p => string.Equals(p.Name, section.Key, StringComparison.OrdinalIgnoreCase));
        if (property is null)
        {
            yield return $"{section.Path} is not a known key";
            yield break;
        }

        Type t = property.PropertyType;
        if (IsLeaf(t))
        {
            if (section.GetChildren().Any())
            {
                yield return $"{section.Path} takes a value, not keys under it";
            }

            yield break;
        }

        if (ElementOf(t) is not null)
        {
            foreach (string p in UnknownIn(section, t))
            {
                yield return p;
            }

            yield break;
        }

        foreach (IConfigurationSection child in section.GetChildren())
        {
            foreach (string p in UnknownIn(child, t))
            {
                yield return p;
            }
        }
    }

    private static IEnumerable<PropertyInfo> Bindable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.GetMethod is not null && (p.SetMethod?.IsPublic == true || !IsLeaf(p.PropertyType)))
            .Where(p => p.GetCustomAttribute<System.Text.Json.Serialization.JsonIgnoreAttribute>() is null && p.DeclaringType != typeof(object))
            .Where(p => !IsComputed(p));

    // Get-only properties of leaf type (UsesDps, Largest) are computed, not bound.
    private static bool IsComputed(PropertyInfo p) => IsLeaf(p.PropertyType) && p.SetMethod is null;

    private static bool IsLeaf(Type t)
    {
        Type u = Nullable.GetUnderlyingType(t) ?? t;
        return u.IsPrimitive || u.IsEnum || u == typeof(string) || u == typeof(decimal) || u == typeof(TimeSpan) || u == typeof(DateTimeOffset) || u == typeof(DateTime) || u == typeof(Guid) || u == typeof(Uri);
    }

    private static Type? ElementOf(Type t)
    {
        if (t.IsArray)
        {
            return t.GetElementType();
        }

        if (t.IsGenericType && t.GetGenericTypeDefinition() is { } g)
        {
            if (g == typeof(List<>) || g == typeof(IList<>) || g == typeof(IReadOnlyList<>) || g == typeof(IEnumerable<>))
            {
                return t.GetGenericArguments()[0];
            }

            if (g == typeof(Dictionary<,>) || g == typeof(IDictionary<,>) || g == typeof(IReadOnlyDictionary<,>))
            {
                return t.GetGenericArguments()[1];
            }
        }

        return null;
    }

    private static Type? FindType(Type root, string fullName)
    {
        var seen = new HashSet<Type>();
        var queue = new Queue<Type>([root]);
        while (queue.TryDequeue(out Type? t))
        {
            if (!seen.Add(t))
            {
                continue;
            }

            Type u = Nullable.GetUnderlyingType(t) ?? t;
            if (u.FullName == fullName)
            {
                return u;
            }

            if (ElementOf(t) is { } e)
            {
                queue.Enqueue(e);
            }
            else if (!IsLeaf(t))
            {
                foreach (PropertyInfo p in Bindable(t))
                {
                    queue.Enqueue(p.PropertyType);
                }
            }
        }

        return null;
    }

    private static string Expected(Type? t)
    {
        Type? u = t is null ? null : Nullable.GetUnderlyingType(t) ?? t;
        return u switch
        {
            null => "a valid value",
            { IsEnum: true } => "one of " + string.Join(", ", Enum.GetNames(u)),
            _ when u == typeof(double) || u == typeof(float) || u == typeof(decimal) => "a number",
            _ when u == typeof(int) || u == typeof(long) || u == typeof(short) || u == typeof(byte) || u == typeof(uint) || u == typeof(ulong) || u == typeof(ushort) => "a whole number",
            _ when u == typeof(bool) => "true or false",
            _ when u == typeof(TimeSpan) => "a duration such as 00:00:30",
            _ when u == typeof(DateTimeOffset) || u == typeof(DateTime) => "a date and time such as 2026-12-01T09:00:00+09:00",
            _ => "a valid value",
        };
    }

    [GeneratedRegex("Failed to convert configuration value '(?<value>.*)' at '(?<path>[^']*)' to type '(?<type>[^']*)'", RegexOptions.Singleline)]
    private static partial Regex ConversionError();
}
