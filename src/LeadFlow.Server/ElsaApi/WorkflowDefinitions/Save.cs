using System.Text.Json;
using System.Text.Json.Nodes;
using LeadFlow.Server.Problems;
using LeadFlow.Workflows.Definitions;
using LeadFlow.Workflows.Json;
using Microsoft.AspNetCore.Mvc;
using EngineJson = LeadFlow.Workflows.Json.ElsaJson;
using EngineVersionOptions = LeadFlow.Workflows.Model.VersionOptions;

namespace LeadFlow.Server.ElsaApi.WorkflowDefinitions;

/// <summary>
/// <c>POST v1/workflow-definitions</c>: the designer's autosave after every edit (<c>publish: false</c>) and its
/// Publish button (<c>publish: true</c>) (contract §2.1 #10, §5.2). The body goes through the engine's reader and
/// <see cref="WorkflowDefinitionService.SaveAsync"/>, so the stored draft is exactly what will run once published.
/// </summary>
/// <remarks>
/// <c>workflowDefinitionId</c> null or absent creates a definition (ids minted by the engine). The studio never sends
/// <c>customAttributes</c>; the stored ones (LeadFlow's re-entry policy) are kept rather than reset as Elsa does.
/// Connections with a missing end or an empty outcome are dropped. A definition that cannot run (unknown activity
/// type, bad connection, bad trigger input) is not published and nothing is stored: a 400 names the problem.
/// Answers 201 for a new definition, 200 otherwise, with the stored version in the designer form.
/// </remarks>
internal static class SaveWorkflowDefinition
{
    private static readonly string[] ServerOwned = ["id", "versionId", "version", "isLatest", "isPublished", "createdAt", "definitionId"];

    public static void Map(RouteGroupBuilder v1) => v1.MapPost("/workflow-definitions", Handle);

    public static async Task<IResult> Handle(HttpRequest request, [FromServices] WorkflowDefinitionService definitions, CancellationToken cancellationToken)
    {
        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException ex)
        {
            return Problem.Invalid("body", $"Not valid JSON: {ex.Message}");
        }
        if (body is not JsonObject root)
        {
            return Problem.Invalid("body", "Expected a workflow definition object.");
        }
        if (!TryGetString(root, "workflowDefinitionId", out var definitionId))
        {
            return Problem.Invalid("workflowDefinitionId", "Expected a string or null.");
        }
        if (!TryGetBool(root, "publish", out var publish))
        {
            return Problem.Invalid("publish", "Expected true or false.");
        }
        var keepCustomAttributes = !root.ContainsKey("customAttributes");
        root.Remove("workflowDefinitionId");
        root.Remove("publish");
        foreach (var name in ServerOwned)
        {
            root.Remove(name);
        }
        Workflows.Model.WorkflowDefinition content;
        try
        {
            content = EngineJson.ReadDefinition(root);
        }
        catch (WorkflowJsonException ex)
        {
            return Problem.Invalid("body", ex.Message);
        }
        var existing = string.IsNullOrWhiteSpace(definitionId) ? null : await definitions.FindAsync(definitionId, EngineVersionOptions.AllVersions, cancellationToken);
        content.DefinitionId = definitionId ?? "";
        if (keepCustomAttributes && existing is not null)
        {
            content.CustomAttributes = (JsonObject)existing.CustomAttributes.DeepClone();
        }
        return await DesignerForm.SaveAsync(definitions, content, publish, isNew: existing is null, publish ? "publish" : "body", cancellationToken);
    }

    private static bool TryGetString(JsonObject root, string name, out string? value)
    {
        value = null;
        var node = root[name];
        if (node is null)
        {
            return true;
        }
        if (node is JsonValue v && v.TryGetValue<string>(out var s))
        {
            value = string.IsNullOrWhiteSpace(s) ? null : s.Trim();
            return true;
        }
        return false;
    }

    private static bool TryGetBool(JsonObject root, string name, out bool value)
    {
        value = false;
        var node = root[name];
        return node is null || (node is JsonValue v && v.TryGetValue(out value));
    }
}
