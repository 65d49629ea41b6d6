using System.Reflection;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LeadFlow.Server.ElsaApi.Version;

/// <summary>
/// <c>GET v1/version</c>: the server's version, which the studio's home page prints after "Elsa Workflows". LeadFlow
/// answers its own version (the assembly's informational version without the source-revision suffix).
/// </summary>
internal static class GetVersion
{
    private static readonly string ServerVersion = Read();

    public static void Map(RouteGroupBuilder v1) => v1.MapGet("/version", Handle);

    public static JsonHttpResult<VersionModel> Handle() => ElsaJson.Ok(new VersionModel(ServerVersion));

    private static string Read()
    {
        var version = typeof(GetVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }
}

internal sealed record VersionModel(string Version);
