using LeadFlow.Server.Problems;
using LeadFlow.Workflows.Definitions;
using LeadFlow.Workflows.Json;
using Microsoft.AspNetCore.Mvc;
using EngineJson = LeadFlow.Workflows.Json.ElsaJson;
using EngineVersionOptions = LeadFlow.Workflows.Model.VersionOptions;

namespace LeadFlow.Server.ElsaApi.WorkflowDefinitions;

/// <summary>
/// <c>POST v1/workflow-definitions/{definitionId}/import</c> (multipart, field <c>file</c>): the editor's Import
/// (contract §2.1 #16). The file may be in any Elsa form (designer form, Elsa's export with <c>$id</c>/<c>$ref</c>/
/// <c>{"data":...}</c>, or a <c>workflows/</c> file); its content becomes the draft of the path's definition id
/// (the definition id in the file is ignored). 200 with the draft, 400 when the file is not a definition.
/// </summary>
internal static class ImportWorkflowDefinition
{
    public const long MaxFileBytes = 4 * 1024 * 1024;

    public static void Map(RouteGroupBuilder v1) => v1.MapPost("/workflow-definitions/{definitionId}/import", Handle);

    public static async Task<IResult> Handle(string definitionId, HttpRequest request, [FromServices] WorkflowDefinitionService definitions, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            return Problem.UnsupportedMediaType("Send the file as multipart/form-data in the field 'file'.");
        }
        var form = await request.ReadFormAsync(cancellationToken);
        var file = form.Files.GetFile("file");
        if (file is null)
        {
            return Problem.Invalid("file", "The multipart field 'file' is missing.");
        }
        if (file.Length > MaxFileBytes)
        {
            return Problem.PayloadTooLarge($"A workflow file may be at most {MaxFileBytes} bytes.");
        }
        string text;
        using (var reader = new StreamReader(file.OpenReadStream()))
        {
            text = await reader.ReadToEndAsync(cancellationToken);
        }
        Workflows.Model.WorkflowDefinition content;
        try
        {
            content = EngineJson.ReadDefinition(text);
        }
        catch (WorkflowJsonException ex)
        {
            return Problem.Invalid("file", $"{file.FileName}: {ex.Message}");
        }
        content.DefinitionId = definitionId;
        var existing = await definitions.FindAsync(definitionId, EngineVersionOptions.AllVersions, cancellationToken);
        return await DesignerForm.SaveAsync(definitions, content, publish: false, isNew: existing is null, "file", cancellationToken);
    }
}
