using System.Text.Json;
using LeadFlow.Server.Problems;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Stores;
using Microsoft.AspNetCore.Mvc;

namespace LeadFlow.Server.ElsaApi.Designer;

/// <summary>
/// <c>POST v1/designer/runtime-select-list</c> with <c>{ providerTypeName, context }</c>: the items of a dropdown whose
/// descriptor asks for live data (<c>options.runtimeSelectListProviderType</c>, contract §6.4). Providers:
/// <list type="bullet">
/// <item><see cref="SignalNames"/>: the signal names that published workflows wait for or start on (the literal
/// <c>Signal</c> of their Signal Received activities), sorted; used by Send Signal.</item>
/// </list>
/// An unknown provider is a 400 naming it.
/// </summary>
internal static class GetRuntimeSelectList
{
    public const string SignalNames = "LeadFlow.SignalNames";

    public static void Map(RouteGroupBuilder v1) => v1.MapPost("/designer/runtime-select-list", Handle);

    public static async Task<IResult> Handle(HttpRequest request, HttpContext context, [FromServices] IWorkflowDefinitionStore store, CancellationToken cancellationToken)
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
        if (body?.ProviderTypeName != SignalNames)
        {
            return Problem.Invalid("providerTypeName", $"Unknown select list provider '{body?.ProviderTypeName}'; LeadFlow has {SignalNames}.");
        }
        var names = (await WorkflowCatalog.ListAllVersionsAsync(context.RequestServices, store, cancellationToken))
            .Where(d => d.IsPublished)
            .SelectMany(d => d.Activities)
            .Where(a => a.Type == "SignalReceived")
            .Select(a => a.GetProperty("Signal"))
            .Where(p => p is not null && (string.IsNullOrEmpty(p.Syntax) || p.Syntax == "Literal"))
            .Select(p => p!.Expressions.GetValueOrDefault("Literal")?.Trim())
            .Where(n => !string.IsNullOrEmpty(n))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Order(StringComparer.OrdinalIgnoreCase)
            .ToList();
        return ElsaJson.Ok(new SelectList(names.Select(n => new SelectListItem(n!, n!)).ToList(), false));
    }

    private sealed record SelectListRequest(string? ProviderTypeName, JsonElement? Context);
}

internal sealed record SelectList(IReadOnlyList<SelectListItem> Items, bool IsFlagsEnum);

internal sealed record SelectListItem(string Text, string Value);
