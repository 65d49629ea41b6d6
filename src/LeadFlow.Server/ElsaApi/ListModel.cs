namespace LeadFlow.Server.ElsaApi;

/// <summary>Elsa 2's unpaged <c>{ "items": [...] }</c> wrapper (the version history).</summary>
internal sealed record ListModel<T>(IReadOnlyList<T> Items);
