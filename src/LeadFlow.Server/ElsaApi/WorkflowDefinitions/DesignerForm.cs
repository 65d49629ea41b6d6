using System.Text;
using LeadFlow.Server.Problems;
using LeadFlow.Workflows.Json;
using LeadFlow.Workflows.Model;
using EngineJson = LeadFlow.Workflows.Json.ElsaJson;

namespace LeadFlow.Server.ElsaApi.WorkflowDefinitions;

/// <summary>
/// A stored definition version in the designer form (contract §5.1), written by the engine's own serializer so that
/// the studio sees exactly what runs: camelCase, expression keys untouched, <c>variables</c> and
/// <c>customAttributes</c> as JSON strings, no <c>$id</c>.
/// </summary>
internal static class DesignerForm
{
    public static IResult Json(WorkflowDefinition definition, int statusCode = StatusCodes.Status200OK) =>
        TypedResults.Content(Write(definition), "application/json", Encoding.UTF8, statusCode);

    /// <summary>The designer form; <c>createdAt</c> as Elsa writes instants (UTC with a <c>Z</c>, contract §1.4).</summary>
    public static string Write(WorkflowDefinition definition)
    {
        var node = EngineJson.ToNode(definition, ElsaDefinitionForm.Designer);
        node["createdAt"] = ElsaInstantConverter.Text(definition.CreatedAt);
        return node.ToJsonString(EngineJson.Options);
    }

    /// <summary>The path's version options (Elsa's names, any case, or a number).</summary>
    public static bool TryParse(string? text, out LeadFlow.Workflows.Model.VersionOptions options)
    {
        options = LeadFlow.Workflows.Model.VersionOptions.Latest;
        if (!VersionOptions.TryParse(text, out var parsed))
        {
            return false;
        }
        options = parsed.ToEngine();
        return true;
    }

    public static IResult BadVersion(string name = "versionOptions") => Problem.Invalid(name, $"Expected {VersionOptions.Expected}.");

    public static IResult NotFound(string definitionId, string what = "workflow definition") =>
        Problem.NotFound($"No {what} '{definitionId}'.");
}
