using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LeadFlow.Server.Tests.Infrastructure;

namespace LeadFlow.Server.Tests.Executable;

public sealed class ShutdownTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("leadflow-shutdown-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public async Task Sigterm_lets_an_in_flight_batch_finish_then_the_server_exits_cleanly()
    {
        var (_, key, _) = await ServerProcess.RunCliAsync(_data, "keys", "create", "--role", "integrator");
        await using var server = await ServerProcess.StartAsync(_data, "--Security:BootstrapAdminKey=false");
        using var client = server.Client(key.Trim());
        var body = new SlowBody(lines: 2_000);

        var request = client.PostAsync("/api/interactions/batch", body, TestContext.Current.CancellationToken);
        await body.HalfSent.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        server.Terminate();
        body.Continue.SetResult();
        var response = await request;

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(2_000, JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!["accepted"]!.GetValue<int>());
        Assert.True(await server.WaitForExitAsync(TimeSpan.FromSeconds(30)), "The server did not exit after SIGTERM.");
        Assert.Equal(0, server.ExitCode);
    }

    /// <summary>Sends half of its lines, waits to be told to go on, then trickles out the rest.</summary>
    private sealed class SlowBody : HttpContent
    {
        private readonly int _lines;

        public SlowBody(int lines)
        {
            _lines = lines;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-ndjson");
        }

        public TaskCompletionSource HalfSent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Continue { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var i = 0; i < _lines; i++)
            {
                await stream.WriteAsync(Encoding.UTF8.GetBytes($$"""{"eventId":"slow-{{i}}","type":"page_view","email":"slow{{i % 10}}@example.com"}""" + "\n"));
                if (i == _lines / 2)
                {
                    await stream.FlushAsync();
                    HalfSent.SetResult();
                    await Continue.Task;
                }
                if (i > _lines / 2 && i % 100 == 0)
                {
                    await stream.FlushAsync();
                    await Task.Delay(50);
                }
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
