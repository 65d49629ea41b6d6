using System.Text;
using LeadFlow.Workflows.Definitions;
using LeadFlow.Workflows.Json;
using Microsoft.AspNetCore.Mvc;
using EngineJson = LeadFlow.Workflows.Json.ElsaJson;

namespace LeadFlow.Server.ElsaApi.WorkflowDefinitions;

/// <summary>
/// <c>POST v1/workflow-definitions/{definitionId}/{versionOptions}/export</c>: the editor's Export (contract §2.1 #15):
/// the version as an indented file in the form <c>workflows/</c> keeps (plain <c>variables</c> objects, no
/// <c>$id</c>), as an attachment named after the workflow. 404 when no version matches.
/// </summary>
internal static class ExportWorkflowDefinition
{
    public static void Map(RouteGroupBuilder v1) => v1.MapPost("/workflow-definitions/{definitionId}/{versionOptions}/export", Handle);

    public static async Task<IResult> Handle(string definitionId, string versionOptions, [FromServices] WorkflowDefinitionService definitions, CancellationToken cancellationToken)
    {
        if (!DesignerForm.TryParse(versionOptions, out var options))
        {
            return DesignerForm.BadVersion();
        }
        var definition = await definitions.FindAsync(definitionId, options, cancellationToken);
        if (definition is null)
        {
            return DesignerForm.NotFound(definitionId, $"version '{versionOptions}' of workflow definition");
        }
        var json = EngineJson.WriteDefinition(definition, ElsaDefinitionForm.File, indented: true);
        return TypedResults.File(Encoding.UTF8.GetBytes(json), "application/json", FileName(definition));
    }

    /// <summary>The workflow's name reduced to safe file-name characters, else its definition id.</summary>
    private static string FileName(Workflows.Model.WorkflowDefinition definition)
    {
        var name = new string((definition.Name ?? "").Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray()).Trim('-', '.');
        return (name.Length > 0 ? name : "workflow-definition-" + definition.DefinitionId) + ".json";
    }
}
