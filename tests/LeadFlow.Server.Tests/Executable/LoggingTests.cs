using System.Net;
using System.Text;
using System.Text.Json;
using LeadFlow.Server.Tests.Infrastructure;

namespace LeadFlow.Server.Tests.Executable;

public sealed class LoggingTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("leadflow-logs-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public async Task With_the_json_formatter_every_log_line_is_a_json_object_with_named_properties()
    {
        var (_, key, _) = await ServerProcess.RunCliAsync(_data, "keys", "create", "--role", "integrator");
        await using var server = await ServerProcess.StartAsync(_data,
            "--Security:BootstrapAdminKey=false", "--Logging:Console:FormatterName=json", "--Logging:LogLevel:Default=Information");
        using var client = server.Client(key.Trim());
        var body = new StringContent("""{"eventId":"e1","type":"page_view","email":"a@example.com"}""", Encoding.UTF8, "application/x-ndjson");
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/api/interactions/batch", body, TestContext.Current.CancellationToken)).StatusCode);
        server.Terminate();
        Assert.True(await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        var lines = server.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var entries = lines.Select(line => JsonDocument.Parse(line).RootElement).ToList();
        var batch = entries.Single(e => e.GetProperty("Category").GetString() == "LeadFlow.Core.Interactions.IngestInteractions");
        Assert.Equal(1, batch.GetProperty("State").GetProperty("Accepted").GetInt32());
        Assert.Equal("Information", batch.GetProperty("LogLevel").GetString());
        Assert.Contains(entries, e => e.GetProperty("Message").GetString()!.Contains("Application is shutting down", StringComparison.Ordinal));
    }
}
