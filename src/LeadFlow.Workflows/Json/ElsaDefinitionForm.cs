namespace LeadFlow.Workflows.Json;

/// <summary>The two JSON forms of a workflow definition.</summary>
public enum ElsaDefinitionForm
{
    /// <summary>The designer form (contract §5.1): <c>variables</c> and <c>customAttributes</c> are JSON strings.</summary>
    Designer,

    /// <summary>The file form for <c>workflows/*.json</c> and exports: <c>variables</c> and <c>customAttributes</c> are plain objects.</summary>
    File,
}
