using System.Text.Json;
using LeadFlow.Server.Problems;
using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Stores;
using Microsoft.AspNetCore.Mvc;

namespace LeadFlow.Server.ElsaApi.Designer;

/// <summary>
/// <c>POST v1/designer/runtime-select-list</c> with <c>{ providerTypeName, context }</c>: the items of a dropdown whose
/// descriptor asks for live data (<c>options.runtimeSelectListProviderType</c>, contract §6.4), from the
/// <see cref="ISelectListProvider"/> of that name. An unknown provider is a 400 naming the known ones.
/// </summary>
internal static class GetRuntimeSelectList
{
    public static void Map(RouteGroupBuilder v1) => v1.MapPost("/designer/runtime-select-list", Handle);

    public static async Task<IResult> Handle(HttpRequest request, [FromServices] IEnumerable<ISelectListProvider> providers, CancellationToken cancellationToken)
    {
        SelectListRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<SelectListRequest>(request.Body, ElsaJson.Options, cancellationToken);
        }
        catch (JsonException ex)
        {
            return Problem.Invalid("body", $"Not valid JSON: {ex.Message}");
        }
        var all = providers.ToList();
        var provider = all.FirstOrDefault(p => p.Name == body?.ProviderTypeName);
        if (provider is null)
        {
            return Problem.Invalid("providerTypeName", $"Unknown select list provider '{body?.ProviderTypeName}'; LeadFlow has {string.Join(", ", all.Select(p => p.Name).Order(StringComparer.Ordinal))}.");
        }
        var items = await provider.ListAsync(body!.Context, cancellationToken);
        return ElsaJson.Ok(new SelectList(items.Select(i => new SelectListItem(i.Text, i.Value)).ToList(), false));
    }

    private sealed record SelectListRequest(string? ProviderTypeName, JsonElement? Context);
}

/// <summary>
/// <see cref="SelectListProviders.SignalNames"/>: the signal names that published workflows wait for or start on (the
/// literal <c>Signal</c> of their Signal Received activities), sorted; used by Send Signal.
/// </summary>
internal sealed class SignalNamesProvider(IServiceProvider services, IWorkflowDefinitionStore store) : ISelectListProvider
{
    public string Name => SelectListProviders.SignalNames;

    public async ValueTask<IReadOnlyList<SelectListOption>> ListAsync(JsonElement? context, CancellationToken cancellationToken) =>
        (await WorkflowCatalog.ListAllVersionsAsync(services, store, cancellationToken))
            .Where(d => d.IsPublished)
            .SelectMany(d => d.Activities)
            .Where(a => a.Type == "SignalReceived")
            .Select(a => a.GetProperty("Signal"))
            .Where(p => p is not null && (string.IsNullOrEmpty(p.Syntax) || p.Syntax == "Literal"))
            .Select(p => p!.Expressions.GetValueOrDefault("Literal")?.Trim())
            .Where(n => !string.IsNullOrEmpty(n))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Order(StringComparer.OrdinalIgnoreCase)
            .Select(n => new SelectListOption(n!, n!))
            .ToList();
}

internal sealed record SelectList(IReadOnlyList<SelectListItem> Items, bool IsFlagsEnum);

internal sealed record SelectListItem(string Text, string Value);
