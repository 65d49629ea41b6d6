using LeadFlow.Core.Storage;
using Microsoft.Extensions.Options;

namespace LeadFlow.Core.Tests.Storage;

public sealed class WriteGateTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task On_sqlite_writers_take_turns_and_the_next_starts_when_the_previous_leaves()
    {
        var gate = new WriteGate(Options.Create(new StorageOptions { Provider = DatabaseProvider.Sqlite }));
        var first = await gate.EnterAsync(Ct);

        var second = gate.EnterAsync(Ct);
        await Task.Delay(50, Ct);
        Assert.False(second.IsCompleted);

        first.Dispose();
        first.Dispose();
        using var turn = await second.WaitAsync(TimeSpan.FromSeconds(5), Ct);
        var third = gate.EnterAsync(Ct);
        await Task.Delay(50, Ct);
        Assert.False(third.IsCompleted, "Disposing a turn twice must not let two writers in.");
    }

    [Fact]
    public async Task On_postgresql_the_gate_is_always_open()
    {
        var gate = new WriteGate(Options.Create(new StorageOptions { Provider = DatabaseProvider.PostgreSql, ConnectionString = "Host=x" }));

        using var first = await gate.EnterAsync(Ct);
        using var second = await gate.EnterAsync(Ct).WaitAsync(TimeSpan.FromSeconds(1), Ct);
    }
}
