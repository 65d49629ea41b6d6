using System.Text.Json;

namespace LeadFlow.Core.Segments;

/// <summary>
/// A segment's filter, parsed from its JSON and compiled once into an in-memory predicate over a
/// <see cref="ContactSnapshot"/>. The JSON (documented in README, "Segments"):
/// <list type="bullet">
/// <item><c>{"all": [node, ...]}</c>, <c>{"any": [node, ...]}</c>, <c>{"not": node}</c>: combinators;</item>
/// <item><c>{"field": "...", "op": "...", "value": ...}</c>: a condition on a profile field, score, grade,
/// qualification, stage, tags, owner, consent or account field;</item>
/// <item><c>{"behavior": {"type": ..., "url": ..., "withinDays": 30, "atLeast": 2}}</c>: recent interactions.</item>
/// </list>
/// Parsing reports every problem with its JSON path (<c>filter.all[1].op</c>), so an API can name each bad part.
/// </summary>
public sealed class SegmentFilter
{
    public const int MaxDepth = 8;
    public const int MaxNodes = 200;
    public const int MaxListValues = 1000;
    public const int MaxWithinDays = 365;

    private static readonly string[] ContactFields =
        ["email", "externalId", "firstName", "lastName", "jobTitle", "seniority", "department", "phone", "country", "owner", "stage", "grade", "qualification"];

    private static readonly string[] AccountTextFields = ["domain", "name", "industry", "country"];
    private static readonly string[] AccountNumberFields = ["employeeCount", "annualRevenue"];

    private readonly SegmentPredicate _root;

    private SegmentFilter(SegmentPredicate root, FilterNeeds needs)
    {
        _root = root;
        Needs = needs;
    }

    /// <summary>What evaluating this filter reads beyond the contact row (so the loader skips the rest).</summary>
    public FilterNeeds Needs { get; }

    public bool Matches(ContactSnapshot contact, DateTime now) => _root.Matches(contact, now);

    /// <summary>
    /// The first instant after <paramref name="now"/> at which <see cref="Matches"/> may change for this contact with
    /// nothing else happening (an interaction leaving a "last N days" window); null when never.
    /// </summary>
    public DateTime? NextChange(ContactSnapshot contact, DateTime now) => _root.NextChange(contact, now);

    /// <summary>Parses and compiles; null with <paramref name="errors"/> (JSON path → messages) when the filter is invalid.</summary>
    public static SegmentFilter? Parse(string json, out Dictionary<string, string[]> errors, string path = "filter")
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return Parse(document.RootElement, out errors, path);
        }
        catch (JsonException ex)
        {
            errors = new Dictionary<string, string[]> { [path] = [$"Not valid JSON: {ex.Message}"] };
            return null;
        }
    }

    public static SegmentFilter? Parse(JsonElement element, out Dictionary<string, string[]> errors, string path = "filter")
    {
        var parser = new Parser();
        var root = parser.Node(element, path, 0);
        errors = parser.Errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
        return errors.Count == 0 && root is not null ? new SegmentFilter(root, parser.Needs) : null;
    }

    private sealed class Parser
    {
        private int _nodes;

        public Dictionary<string, List<string>> Errors { get; } = new(StringComparer.Ordinal);
        public FilterNeeds Needs { get; } = new();

        private SegmentPredicate? Fail(string path, string message)
        {
            if (!Errors.TryGetValue(path, out var list))
            {
                Errors[path] = list = [];
            }
            list.Add(message);
            return null;
        }

        public SegmentPredicate? Node(JsonElement element, string path, int depth)
        {
            if (++_nodes > MaxNodes)
            {
                return _nodes == MaxNodes + 1 ? Fail(path, $"A filter has at most {MaxNodes} nodes.") : null;
            }
            if (depth > MaxDepth)
            {
                return Fail(path, $"A filter nests at most {MaxDepth} levels deep.");
            }
            if (element.ValueKind != JsonValueKind.Object)
            {
                return Fail(path, "Expected an object: {\"all\": [...]}, {\"any\": [...]}, {\"not\": {...}}, {\"field\", \"op\", \"value\"} or {\"behavior\": {...}}.");
            }
            var names = element.EnumerateObject().Select(p => p.Name).ToList();
            if (element.TryGetProperty("all", out var all) || element.TryGetProperty("any", out all))
            {
                var kind = element.TryGetProperty("all", out _) ? "all" : "any";
                if (names.Count != 1)
                {
                    return Fail(path, $"\"{kind}\" stands alone in its object; found {string.Join(", ", names.Select(n => $"\"{n}\""))}.");
                }
                if (all.ValueKind != JsonValueKind.Array || all.GetArrayLength() == 0)
                {
                    return Fail($"{path}.{kind}", "Expected a non-empty array of filter nodes.");
                }
                var children = all.EnumerateArray().Select((child, i) => Node(child, $"{path}.{kind}[{i}]", depth + 1)).ToList();
                if (children.Any(c => c is null))
                {
                    return null;
                }
                return kind == "all" ? new AllOf(children!) : new AnyOf(children!);
            }
            if (element.TryGetProperty("not", out var not))
            {
                if (names.Count != 1)
                {
                    return Fail(path, "\"not\" stands alone in its object.");
                }
                return Node(not, $"{path}.not", depth + 1) is { } inner ? new Not(inner) : null;
            }
            if (element.TryGetProperty("behavior", out var behavior))
            {
                if (names.Count != 1)
                {
                    return Fail(path, "\"behavior\" stands alone in its object.");
                }
                return Behavior(behavior, $"{path}.behavior");
            }
            if (element.TryGetProperty("field", out _))
            {
                return Condition(element, path);
            }
            return Fail(path, $"Unknown filter node with {(names.Count == 0 ? "no properties" : string.Join(", ", names.Select(n => $"\"{n}\"")))}; expected all, any, not, field or behavior.");
        }

        private SegmentPredicate? Condition(JsonElement element, string path)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.Name is not ("field" or "op" or "value"))
                {
                    Fail($"{path}.{property.Name}", "Unknown property of a condition; a condition has field, op and value.");
                }
            }
            if (element.GetProperty("field") is not { ValueKind: JsonValueKind.String } fieldElement || string.IsNullOrWhiteSpace(fieldElement.GetString()))
            {
                return Fail($"{path}.field", "Expected the name of a field.");
            }
            var field = fieldElement.GetString()!.Trim();
            if (!element.TryGetProperty("op", out var opElement) || opElement.ValueKind != JsonValueKind.String)
            {
                return Fail($"{path}.op", "Expected an operator: eq, neq, in, nin, gt, gte, lt, lte, contains, startsWith, all or exists.");
            }
            var op = opElement.GetString()!;
            var hasValue = element.TryGetProperty("value", out var value);
            if (Accessor(field, $"{path}.field") is not { } accessor)
            {
                return null;
            }
            var valuePath = $"{path}.value";
            var opPath = $"{path}.op";
            if (op == "exists")
            {
                if (hasValue && value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    return Fail(valuePath, "exists takes true (the default) or false.");
                }
                var wanted = !hasValue || value.GetBoolean();
                return new Exists(accessor, wanted);
            }
            if (!hasValue)
            {
                return Fail(valuePath, $"The operator {op} needs a value.");
            }
            switch (accessor)
            {
                case TextField text:
                    return op switch
                    {
                        "eq" or "neq" or "contains" or "startsWith" => Text(value, valuePath) is { } s ? new TextCompare(text, op, s) : null,
                        "in" or "nin" => List(value, valuePath) is { } list ? new TextIn(text, list, op == "nin") : null,
                        _ => Fail(opPath, $"The field {field} is text: its operators are eq, neq, in, nin, contains, startsWith and exists."),
                    };
                case NumberField number:
                    if (op is "in" or "nin")
                    {
                        return Fail(opPath, $"The field {field} is a number: its operators are eq, neq, gt, gte, lt, lte and exists.");
                    }
                    if (op is not ("eq" or "neq" or "gt" or "gte" or "lt" or "lte"))
                    {
                        return Fail(opPath, $"The field {field} is a number: its operators are eq, neq, gt, gte, lt, lte and exists.");
                    }
                    if (value.ValueKind != JsonValueKind.Number || !double.IsFinite(value.GetDouble()))
                    {
                        return Fail(valuePath, "Expected a number.");
                    }
                    return new NumberCompare(number, op, value.GetDouble());
                case TagsField:
                    return op switch
                    {
                        "contains" or "eq" => Text(value, valuePath) is { } tag ? new TagsAny([tag.Trim().ToLowerInvariant()]) : null,
                        "in" => List(value, valuePath) is { } any ? new TagsAny(any.Select(t => t.Trim().ToLowerInvariant()).ToArray()) : null,
                        "all" => List(value, valuePath) is { } every ? new TagsAll(every.Select(t => t.Trim().ToLowerInvariant()).ToArray()) : null,
                        "nin" => List(value, valuePath) is { } none ? new Not(new TagsAny(none.Select(t => t.Trim().ToLowerInvariant()).ToArray())) : null,
                        _ => Fail(opPath, "tags is a set: its operators are contains (has the tag), in (has any of), all (has all of), nin (has none of) and exists."),
                    };
                case ConsentField consent:
                    if (op != "eq")
                    {
                        return Fail(opPath, $"The field {field} is consent (granted or not): its operators are eq and exists.");
                    }
                    if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    {
                        return Fail(valuePath, "Expected true (granted) or false (refused or withdrawn).");
                    }
                    return new ConsentIs(consent, value.GetBoolean());
                default:
                    return Fail(path, "Unsupported field.");
            }
        }

        private FieldAccessor? Accessor(string field, string path)
        {
            if (ContactFields.Contains(field, StringComparer.Ordinal))
            {
                if (field == "grade" || field == "qualification")
                {
                    Needs.Qualification |= field == "qualification";
                    Needs.Grade |= field == "grade";
                }
                return new TextField(field, c => c.Text(field));
            }
            if (field == "fitPoints")
            {
                Needs.Grade = true;
                return new NumberField(field, c => c.FitPoints);
            }
            if (field == "tags")
            {
                Needs.Tags = true;
                return new TagsField();
            }
            if (field.StartsWith("custom.", StringComparison.Ordinal) && field.Length > "custom.".Length)
            {
                var key = field["custom.".Length..];
                return new TextField(field, c => c.CustomFields.GetValueOrDefault(key));
            }
            if (field.StartsWith("score.", StringComparison.Ordinal) && field.Length > "score.".Length)
            {
                var model = field["score.".Length..];
                Needs.Scores = true;
                // A contact without a score in the model has 0 points in it (nothing counted yet).
                return new NumberField(field, c => c.Scores.TryGetValue(model, out var score) ? score : null, Missing: 0.0);
            }
            if (field.StartsWith("account.", StringComparison.Ordinal))
            {
                var name = field["account.".Length..];
                Needs.Account = true;
                if (AccountTextFields.Contains(name, StringComparer.Ordinal))
                {
                    return new TextField(field, c => c.Account?.GetValueOrDefault(name));
                }
                if (AccountNumberFields.Contains(name, StringComparer.Ordinal))
                {
                    return new NumberField(field, c => name == "employeeCount" ? c.AccountEmployees : c.AccountRevenue);
                }
                Fail(path, $"Unknown account field '{name}'; the account fields are {string.Join(", ", AccountTextFields.Concat(AccountNumberFields))}.");
                return null;
            }
            if (field.StartsWith("consent.", StringComparison.Ordinal))
            {
                var parts = field.Split('.');
                if (parts.Length != 3 || parts[1].Length == 0 || parts[2].Length == 0)
                {
                    Fail(path, "A consent field is consent.<channel>.<purpose>, for example consent.email.marketing.");
                    return null;
                }
                Needs.Consent = true;
                return new ConsentField(parts[1].ToLowerInvariant() + "." + parts[2].ToLowerInvariant());
            }
            Fail(path, $"Unknown field '{field}'. Fields: {string.Join(", ", ContactFields)}, fitPoints, tags, custom.<key>, score.<model>, account.<field>, consent.<channel>.<purpose>.");
            return null;
        }

        private SegmentPredicate? Behavior(JsonElement element, string path)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                return Fail(path, "Expected an object: {\"type\": \"page_view\", \"url\": \"/pricing\", \"withinDays\": 30, \"atLeast\": 2}.");
            }
            string[]? types = null;
            string? url = null, asset = null, channel = null, campaign = null;
            int? withinDays = null;
            var atLeast = 1;
            var ok = true;
            foreach (var property in element.EnumerateObject())
            {
                var at = $"{path}.{property.Name}";
                switch (property.Name)
                {
                    case "type":
                        types = property.Value.ValueKind == JsonValueKind.Array ? List(property.Value, at) : Text(property.Value, at) is { } t ? [t] : null;
                        ok &= types is not null;
                        break;
                    case "url":
                        ok &= (url = Text(property.Value, at)) is not null;
                        break;
                    case "asset":
                        ok &= (asset = Text(property.Value, at)) is not null;
                        break;
                    case "channel":
                        ok &= (channel = Text(property.Value, at)) is not null;
                        break;
                    case "campaign":
                        ok &= (campaign = Text(property.Value, at)) is not null;
                        break;
                    case "withinDays":
                        if (property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetInt32(out var days) && days is >= 1 and <= MaxWithinDays)
                        {
                            withinDays = days;
                        }
                        else
                        {
                            ok = false;
                            Fail(at, $"Expected a whole number of days from 1 to {MaxWithinDays}.");
                        }
                        break;
                    case "atLeast":
                        if (property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetInt32(out var count) && count is >= 1 and <= 1000)
                        {
                            atLeast = count;
                        }
                        else
                        {
                            ok = false;
                            Fail(at, "Expected a whole number from 1 to 1000.");
                        }
                        break;
                    default:
                        ok = false;
                        Fail(at, "Unknown property of behavior; it has type, url, asset, channel, campaign, withinDays and atLeast.");
                        break;
                }
            }
            if (withinDays is null)
            {
                ok = false;
                Fail($"{path}.withinDays", $"Required: the window in days (1 to {MaxWithinDays}).");
            }
            if (!ok)
            {
                return null;
            }
            var window = TimeSpan.FromDays(withinDays!.Value);
            Needs.Interactions = true;
            Needs.InteractionWindow = Needs.InteractionWindow > window ? Needs.InteractionWindow : window;
            if (types is null)
            {
                Needs.AnyInteractionType = true;
            }
            else
            {
                // Ingestion stores types lower-cased; the loader filters on them in SQL.
                types = types.Select(t => t.Trim().ToLowerInvariant()).ToArray();
                Needs.InteractionTypes.UnionWith(types);
            }
            return new RecentBehavior(types, url, asset, channel, campaign, window, atLeast);
        }

        private string? Text(JsonElement value, string path)
        {
            if (value.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(value.GetString()))
            {
                Fail(path, "Expected a non-empty string.");
                return null;
            }
            return value.GetString();
        }

        private string[]? List(JsonElement value, string path)
        {
            if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() is 0 or > MaxListValues
                || value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(v.GetString())))
            {
                Fail(path, $"Expected an array of 1 to {MaxListValues} non-empty strings.");
                return null;
            }
            return value.EnumerateArray().Select(v => v.GetString()!).ToArray();
        }
    }

    private abstract class FieldAccessor;

    private sealed class TextField(string name, Func<ContactSnapshot, string?> read) : FieldAccessor
    {
        public string Name => name;
        public string? Read(ContactSnapshot contact) => read(contact);
    }

    /// <summary>A number; <c>Missing</c> is what comparisons use when the contact has none (exists still says it has none).</summary>
    private sealed class NumberField(string name, Func<ContactSnapshot, double?> read, double? Missing = null) : FieldAccessor
    {
        public string Name => name;
        public double? Read(ContactSnapshot contact) => read(contact);
        public double? Compared(ContactSnapshot contact) => read(contact) ?? Missing;
    }

    private sealed class TagsField : FieldAccessor;

    private sealed class ConsentField(string key) : FieldAccessor
    {
        public bool? Read(ContactSnapshot contact) => contact.Consent.TryGetValue(key, out var granted) ? granted : null;
    }

    private abstract class SegmentPredicate
    {
        public abstract bool Matches(ContactSnapshot contact, DateTime now);

        public virtual DateTime? NextChange(ContactSnapshot contact, DateTime now) => null;
    }

    private sealed class AllOf(List<SegmentPredicate> children) : SegmentPredicate
    {
        public override bool Matches(ContactSnapshot contact, DateTime now)
        {
            foreach (var child in children)
            {
                if (!child.Matches(contact, now))
                {
                    return false;
                }
            }
            return true;
        }

        public override DateTime? NextChange(ContactSnapshot contact, DateTime now) => Earliest(children, contact, now);
    }

    private sealed class AnyOf(List<SegmentPredicate> children) : SegmentPredicate
    {
        public override bool Matches(ContactSnapshot contact, DateTime now)
        {
            foreach (var child in children)
            {
                if (child.Matches(contact, now))
                {
                    return true;
                }
            }
            return false;
        }

        public override DateTime? NextChange(ContactSnapshot contact, DateTime now) => Earliest(children, contact, now);
    }

    private static DateTime? Earliest(List<SegmentPredicate> children, ContactSnapshot contact, DateTime now)
    {
        DateTime? earliest = null;
        foreach (var child in children)
        {
            if (child.NextChange(contact, now) is { } at && (earliest is null || at < earliest))
            {
                earliest = at;
            }
        }
        return earliest;
    }

    private sealed class Not(SegmentPredicate inner) : SegmentPredicate
    {
        public override bool Matches(ContactSnapshot contact, DateTime now) => !inner.Matches(contact, now);

        public override DateTime? NextChange(ContactSnapshot contact, DateTime now) => inner.NextChange(contact, now);
    }

    private sealed class Exists(FieldAccessor field, bool wanted) : SegmentPredicate
    {
        public override bool Matches(ContactSnapshot contact, DateTime now)
        {
            var present = field switch
            {
                TextField text => !string.IsNullOrEmpty(text.Read(contact)),
                NumberField number => number.Read(contact) is not null,
                TagsField => contact.Tags.Count > 0,
                ConsentField consent => consent.Read(contact) is not null,
                _ => false,
            };
            return present == wanted;
        }
    }

    private sealed class TextCompare(TextField field, string op, string value) : SegmentPredicate
    {
        public override bool Matches(ContactSnapshot contact, DateTime now)
        {
            var actual = field.Read(contact);
            return op switch
            {
                "eq" => string.Equals(actual, value, StringComparison.OrdinalIgnoreCase),
                // A missing value differs from any given one.
                "neq" => !string.Equals(actual, value, StringComparison.OrdinalIgnoreCase),
                "contains" => actual is not null && actual.Contains(value, StringComparison.OrdinalIgnoreCase),
                "startsWith" => actual is not null && actual.StartsWith(value, StringComparison.OrdinalIgnoreCase),
                _ => false,
            };
        }
    }

    private sealed class TextIn(TextField field, string[] values, bool negate) : SegmentPredicate
    {
        private readonly HashSet<string> _values = new(values, StringComparer.OrdinalIgnoreCase);

        public override bool Matches(ContactSnapshot contact, DateTime now) =>
            (field.Read(contact) is { } actual && _values.Contains(actual)) != negate;
    }

    private sealed class NumberCompare(NumberField field, string op, double value) : SegmentPredicate
    {
        public override bool Matches(ContactSnapshot contact, DateTime now)
        {
            if (field.Compared(contact) is not { } actual)
            {
                return op == "neq";
            }
            return op switch
            {
                "eq" => actual == value,
                "neq" => actual != value,
                "gt" => actual > value,
                "gte" => actual >= value,
                "lt" => actual < value,
                "lte" => actual <= value,
                _ => false,
            };
        }
    }

    private sealed class TagsAny(string[] tags) : SegmentPredicate
    {
        public override bool Matches(ContactSnapshot contact, DateTime now)
        {
            foreach (var tag in tags)
            {
                if (contact.Tags.Contains(tag))
                {
                    return true;
                }
            }
            return false;
        }
    }

    private sealed class TagsAll(string[] tags) : SegmentPredicate
    {
        public override bool Matches(ContactSnapshot contact, DateTime now) => tags.All(contact.Tags.Contains);
    }

    private sealed class ConsentIs(ConsentField field, bool granted) : SegmentPredicate
    {
        public override bool Matches(ContactSnapshot contact, DateTime now) => field.Read(contact) == granted;
    }

    /// <summary>At least <c>atLeast</c> interactions matching the criteria occurred in <c>(now - window, now]</c>.</summary>
    private sealed class RecentBehavior(string[]? types, string? url, string? asset, string? channel, string? campaign, TimeSpan window, int atLeast) : SegmentPredicate
    {
        private bool Qualifies(SnapshotInteraction i) =>
            (types is null || Array.Exists(types, t => string.Equals(t, i.Type, StringComparison.OrdinalIgnoreCase)))
            && (url is null || (i.Url is not null && i.Url.Contains(url, StringComparison.OrdinalIgnoreCase)))
            && (asset is null || (i.Asset is not null && i.Asset.Contains(asset, StringComparison.OrdinalIgnoreCase)))
            && (channel is null || string.Equals(i.Channel, channel, StringComparison.OrdinalIgnoreCase))
            && (campaign is null || string.Equals(i.Campaign, campaign, StringComparison.OrdinalIgnoreCase));

        public override bool Matches(ContactSnapshot contact, DateTime now)
        {
            var since = now - window;
            var count = 0;
            foreach (var interaction in contact.Interactions)
            {
                if (interaction.OccurredAt > since && interaction.OccurredAt <= now && Qualifies(interaction) && ++count >= atLeast)
                {
                    return true;
                }
            }
            return false;
        }

        /// <summary>The count drops when the oldest counted interaction leaves the window, and rises when a future-dated one enters it.</summary>
        public override DateTime? NextChange(ContactSnapshot contact, DateTime now)
        {
            var since = now - window;
            DateTime? earliest = null;
            foreach (var interaction in contact.Interactions)
            {
                if (!Qualifies(interaction))
                {
                    continue;
                }
                DateTime? at = interaction.OccurredAt > now ? interaction.OccurredAt
                    : interaction.OccurredAt > since ? interaction.OccurredAt + window
                    : null;
                if (at is { } due && (earliest is null || due < earliest))
                {
                    earliest = due;
                }
            }
            return earliest;
        }
    }
}

/// <summary>What a set of filters reads, so that the loader reads only that.</summary>
public sealed class FilterNeeds
{
    public bool Scores { get; set; }
    public bool Grade { get; set; }
    public bool Qualification { get; set; }
    public bool Tags { get; set; }
    public bool Consent { get; set; }
    public bool Account { get; set; }
    public bool Interactions { get; set; }
    public TimeSpan InteractionWindow { get; set; }
    public bool AnyInteractionType { get; set; }
    public HashSet<string> InteractionTypes { get; } = new(StringComparer.OrdinalIgnoreCase);

    public static FilterNeeds Union(IEnumerable<FilterNeeds> all)
    {
        var union = new FilterNeeds();
        foreach (var needs in all)
        {
            union.Scores |= needs.Scores;
            union.Grade |= needs.Grade;
            union.Qualification |= needs.Qualification;
            union.Tags |= needs.Tags;
            union.Consent |= needs.Consent;
            union.Account |= needs.Account;
            union.Interactions |= needs.Interactions;
            union.AnyInteractionType |= needs.AnyInteractionType;
            union.InteractionTypes.UnionWith(needs.InteractionTypes);
            if (needs.InteractionWindow > union.InteractionWindow)
            {
                union.InteractionWindow = needs.InteractionWindow;
            }
        }
        return union;
    }
}
