using LeadFlow.Core.Contacts;
using LeadFlow.Core.Lifecycle;

namespace LeadFlow.Core.Transfers;

/// <summary>
/// Checks and normalises a target group: qualification statuses lower case, grades upper case, stages in their
/// configured spelling, tags as contacts store them (trimmed, lower case), owners and rule names trimmed; blanks and
/// repeats dropped. The API stores the normalised filter, and a run normalises again (the lifecycle configuration may
/// have changed since).
/// </summary>
public static class TransferFilters
{
    public const int MaxValues = 1_000;

    public static TransferFilter Normalize(TransferFilter filter, LifecycleModel lifecycle) => filter with
    {
        Qualification = Clean(filter.Qualification, q => q.ToLowerInvariant()),
        Grades = Clean(filter.Grades, g => g.ToUpperInvariant()),
        Countries = Clean(filter.Countries, c => c),
        Stages = Clean(filter.Stages, s => lifecycle.Find(s) ?? s),
        AllTags = Clean(filter.AllTags, t => ContactTags.Normalize(t)!),
        AnyTags = Clean(filter.AnyTags, t => ContactTags.Normalize(t)!),
        Owner = string.IsNullOrWhiteSpace(filter.Owner) ? null : filter.Owner.Trim().ToLowerInvariant(),
        Owners = Clean(filter.Owners, o => o),
        Rules = Clean(filter.Rules, r => r),
        Segments = Clean(filter.Segments, s => s.ToLowerInvariant()),
    };

    /// <summary>
    /// The problems of the filter's stage, tag, owner and rule conditions, keyed by field (<c>filter.stages</c>...).
    /// Unknown stages are refused (a typo would select nobody, silently). Rule names are not checked against the
    /// current rules: a lead keeps the rule that qualified it after the rules file changes.
    /// </summary>
    public static void Check(TransferFilter filter, LifecycleModel lifecycle, IDictionary<string, string[]> errors)
    {
        // JSON null for a list means none.
        filter = filter with
        {
            Stages = filter.Stages ?? [], AllTags = filter.AllTags ?? [], AnyTags = filter.AnyTags ?? [], Owners = filter.Owners ?? [], Rules = filter.Rules ?? [], Segments = filter.Segments ?? [],
        };
        var unknown = filter.Stages.Where(s => lifecycle.Find(s) is null).ToList();
        if (unknown.Count > 0)
        {
            errors["filter.stages"] = [$"Unknown stage {string.Join(", ", unknown.Select(s => $"'{s.Trim()}'"))}; the stages are {string.Join(", ", lifecycle.Stages)}."];
        }
        foreach (var (field, tags) in new[] { ("filter.allTags", filter.AllTags), ("filter.anyTags", filter.AnyTags) })
        {
            if (tags.Select(ContactTags.Check).OfType<string>().FirstOrDefault() is { } problem)
            {
                errors[field] = [problem];
            }
        }
        if (filter.Owner is { } owner && owner.Trim().ToLowerInvariant() is not (TransferOwner.Assigned or TransferOwner.Unassigned) && !string.IsNullOrWhiteSpace(owner))
        {
            errors["filter.owner"] = [$"'{TransferOwner.Assigned}', '{TransferOwner.Unassigned}', or absent for either."];
        }
        if (filter.Owners.Any(string.IsNullOrWhiteSpace) || filter.Owners.Any(o => o.Trim().Length > ContactLimits.Owner))
        {
            errors["filter.owners"] = [$"Owners are not blank and have at most {ContactLimits.Owner} characters."];
        }
        else if (filter.Owners.Count > 0 && string.Equals(filter.Owner?.Trim(), TransferOwner.Unassigned, StringComparison.OrdinalIgnoreCase))
        {
            errors["filter.owners"] = ["Owners cannot be listed together with owner 'unassigned': no lead would match."];
        }
        if (filter.Rules.Any(string.IsNullOrWhiteSpace) || filter.Rules.Any(r => r.Trim().Length > 200))
        {
            errors["filter.rules"] = ["Rule names are not blank and have at most 200 characters."];
        }
        foreach (var (field, values) in new[] { ("filter.stages", filter.Stages), ("filter.allTags", filter.AllTags), ("filter.anyTags", filter.AnyTags),
            ("filter.owners", filter.Owners), ("filter.rules", filter.Rules) })
        {
            if (values.Count > MaxValues)
            {
                errors[field] = [$"At most {MaxValues} values."];
            }
        }
    }

    private static List<string> Clean(IEnumerable<string>? values, Func<string, string> normalize) =>
        (values ?? []).Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => normalize(v.Trim())).Distinct(StringComparer.Ordinal).ToList();
}
