namespace LeadFlow.Server.Problems;

/// <summary>The stable <c>type</c> URIs of LeadFlow's RFC 9457 problem details. Clients may switch on them.</summary>
internal static class ProblemTypes
{
    public const string Validation = "urn:leadflow:problem:validation";
    public const string InvalidBatch = "urn:leadflow:problem:invalid-batch";
    public const string NotFound = "urn:leadflow:problem:not-found";
    public const string Conflict = "urn:leadflow:problem:conflict";
    public const string PayloadTooLarge = "urn:leadflow:problem:payload-too-large";
    public const string UnsupportedMediaType = "urn:leadflow:problem:unsupported-media-type";
    public const string Unauthorized = "urn:leadflow:problem:unauthorized";
    public const string Forbidden = "urn:leadflow:problem:forbidden";
    public const string BadRequest = "urn:leadflow:problem:bad-request";
    public const string Internal = "urn:leadflow:problem:internal";
    public const string MethodNotAllowed = "urn:leadflow:problem:method-not-allowed";
    public const string Busy = "urn:leadflow:problem:busy";
    public const string RulesUnavailable = "urn:leadflow:problem:rules-unavailable";
    public const string StageMoveNotAllowed = "urn:leadflow:problem:stage-move-not-allowed";

    /// <summary>
    /// Gives the problems the framework writes itself (validation, bare status codes) LeadFlow's stable types instead
    /// of the RFC section links it uses by default.
    /// </summary>
    public static void Apply(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (problem.Type?.StartsWith("urn:leadflow:", StringComparison.Ordinal) == true)
        {
            return;
        }
        problem.Type = problem.Status switch
        {
            StatusCodes.Status400BadRequest when problem is HttpValidationProblemDetails => Validation,
            StatusCodes.Status400BadRequest => BadRequest,
            StatusCodes.Status401Unauthorized => Unauthorized,
            StatusCodes.Status403Forbidden => Forbidden,
            StatusCodes.Status404NotFound => NotFound,
            StatusCodes.Status405MethodNotAllowed => MethodNotAllowed,
            StatusCodes.Status409Conflict => Conflict,
            StatusCodes.Status413PayloadTooLarge => PayloadTooLarge,
            StatusCodes.Status415UnsupportedMediaType => UnsupportedMediaType,
            StatusCodes.Status503ServiceUnavailable => Busy,
            _ => Internal,
        };
    }
}
