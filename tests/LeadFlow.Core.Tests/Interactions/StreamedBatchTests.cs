using System.Text;
using LeadFlow.Core.Interactions;
using LeadFlow.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LeadFlow.Core.Tests.Interactions;

/// <summary>
/// On SQLite a batch is written in parts while its body is still being parsed, into one transaction. These tests
/// cover what that must not change: all or nothing, every bad line named, contacts matched as if the batch came
/// whole, and a slow body never holding the single writer for long.
/// </summary>
public sealed class StreamedBatchTests : DatabaseTest
{
    private readonly WriteGate _gate = new(Options.Create(new StorageOptions()));

    private static string Line(int n, string who) =>
        $$"""{"eventId":"e{{n}}","type":"page_view",{{who}},"occurredAt":"2026-11-20T09:00:00Z"}""";

    private static string Lines(int count, Func<int, string>? who = null) =>
        string.Join('\n', Enumerable.Range(1, count).Select(n => Line(n, who?.Invoke(n) ?? $"\"email\":\"c{n % 700}@example.com\"")));

    private async Task<BatchIngestResult> SendAsync(Stream body)
    {
        await using var db = Database.NewContext();
        return await new IngestInteractions(db, _gate, Database.Clock).HandleBatchAsync(body, BatchFormat.NdJson, 100_000, Ct);
    }

    private static MemoryStream Body(string text) => new(Encoding.UTF8.GetBytes(text));

    private async Task<(int Interactions, int Inbox, int Contacts)> CountsAsync()
    {
        await using var db = Database.NewContext();
        return (await db.Interactions.CountAsync(Ct), await db.Inbox.CountAsync(Ct), await db.Contacts.CountAsync(Ct));
    }

    [Fact]
    public async Task A_batch_of_several_parts_is_stored_whole_with_its_inbox_rows_in_line_order()
    {
        var result = await SendAsync(Body(Lines(2_500)));

        Assert.True(result.Read.Succeeded);
        Assert.Equal(2_500, result.Ingest!.Accepted);
        Assert.Equal(700, result.Ingest.CreatedContacts);
        Assert.Equal((2_500, 2_500, 700), await CountsAsync());
        await using var db = Database.NewContext();
        var inbox = await db.Inbox.OrderBy(e => e.Id).Select(e => e.InteractionId).ToListAsync(Ct);
        var interactions = await db.Interactions.OrderBy(i => i.Id).Select(i => new { i.Id, i.EventId }).ToListAsync(Ct);
        Assert.Equal(interactions.Select(i => i.Id), inbox);
        Assert.Equal(Enumerable.Range(1, 2_500).Select(n => $"e{n}"), interactions.Select(i => i.EventId));
    }

    [Fact]
    public async Task A_bad_line_in_a_later_part_undoes_the_parts_already_written()
    {
        var lines = Lines(2_500).Split('\n');
        lines[2_199] = """{"eventId":"e2200","type":"page_view","email":"not an email"}""";

        var result = await SendAsync(Body(string.Join('\n', lines)));

        Assert.False(result.Read.Succeeded);
        Assert.Null(result.Ingest);
        Assert.Equal(2_200, result.Read.Errors.Single().Line);
        Assert.Equal((0, 0, 0), await CountsAsync());
    }

    [Fact]
    public async Task Contact_conflicts_in_different_parts_are_all_named_and_nothing_is_stored()
    {
        await SendAsync(Body(Line(1, "\"email\":\"one@example.com\",\"externalId\":\"crm-1\"") + "\n" + Line(2, "\"email\":\"two@example.com\",\"externalId\":\"crm-2\"")));
        var (interactions, inbox, contacts) = await CountsAsync();

        var result = await SendAsync(Body(Lines(2_500, n => n switch
        {
            // The email of one contact with the external id of another, in the first and in the third part.
            10 or 2_300 => "\"email\":\"one@example.com\",\"externalId\":\"crm-2\"",
            _ => $"\"email\":\"x{n % 300}@example.com\"",
        })));

        Assert.True(result.Read.Succeeded);
        Assert.False(result.Ingest!.Succeeded);
        Assert.Equal([10, 2_300], result.Ingest.Errors.Select(e => e.Line));
        Assert.Equal((interactions, inbox, contacts), await CountsAsync());
    }

    [Fact]
    public async Task A_contact_made_from_an_external_id_in_one_part_takes_the_email_that_comes_with_it_in_a_later_part()
    {
        var result = await SendAsync(Body(Lines(1_500, n => n switch
        {
            1 => "\"externalId\":\"crm-7\"",
            1_200 => "\"externalId\":\"crm-7\",\"email\":\"grace@example.com\"",
            1_300 => "\"email\":\"grace@example.com\"",
            _ => "\"email\":\"ada@example.com\"",
        })));

        Assert.True(result.Ingest!.Succeeded);
        Assert.Equal(2, result.Ingest.CreatedContacts);
        await using var db = Database.NewContext();
        var grace = await db.Contacts.SingleAsync(c => c.ExternalId == "crm-7", Ct);
        Assert.Equal("grace@example.com", grace.Email);
        Assert.Equal(grace.Id, result.Ingest.Items[1_299].ContactId);
    }

    [Fact]
    public async Task A_contact_made_from_an_email_in_one_part_takes_an_external_id_from_a_later_part()
    {
        var result = await SendAsync(Body(Lines(1_500, n => n switch
        {
            1_200 => "\"externalId\":\"crm-1\",\"email\":\"c1@example.com\"",
            _ => "\"email\":\"c1@example.com\"",
        })));

        Assert.True(result.Ingest!.Succeeded);
        await using var db = Database.NewContext();
        Assert.Equal("crm-1", (await db.Contacts.SingleAsync(Ct)).ExternalId);
    }

    [Fact]
    public async Task A_body_that_stalls_gives_the_writer_up_and_is_written_once_it_has_arrived()
    {
        // The body stops after line 1,200: one part (1,000 events) can be written before it does.
        var text = Lines(1_500) + "\n";
        var body = new StallingStream(Encoding.UTF8.GetBytes(text), stallAfter: Encoding.UTF8.GetByteCount(string.Join('\n', text.Split('\n')[..1_200])) + 1);
        var sending = SendAsync(body);
        await body.Stalled.WaitAsync(Ct);

        // While the batch waits for its body it holds the writer (from its first part on)...
        Task<IDisposable> other;
        for (var tries = 0; (other = _gate.EnterAsync(Ct)).IsCompleted; tries++)
        {
            (await other).Dispose();
            Assert.True(tries < 1_000, "The batch never took the writer.");
            await Task.Delay(10, Ct);
        }
        // ...and past IngestInteractions.MaxBodyWaitWhileWriting (on the test's clock) it lets go, so that another
        // writer gets its turn before the body has arrived.
        for (var tries = 0; !other.IsCompleted; tries++)
        {
            Assert.True(tries < 1_000, "The batch kept the writer.");
            Database.Clock.Advance(TimeSpan.FromMilliseconds(50));
            await Task.WhenAny(other, Task.Delay(10, Ct));
        }
        (await other).Dispose();
        Assert.False(sending.IsCompleted);
        Assert.Equal((0, 0, 0), await CountsAsync());

        body.Resume();
        var result = await sending;

        Assert.Equal(1_500, result.Ingest!.Accepted);
        Assert.Equal((1_500, 1_500, 700), await CountsAsync());
    }

    /// <summary>Gives its bytes up to <c>stallAfter</c>, then waits for <see cref="Resume"/> before the rest.</summary>
    private sealed class StallingStream(byte[] data, int stallAfter) : Stream
    {
        private readonly TaskCompletionSource _stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _resumed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _position;

        public Task Stalled => _stalled.Task;

        public void Resume() => _resumed.TrySetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position == stallAfter)
            {
                _stalled.TrySetResult();
                await _resumed.Task.WaitAsync(cancellationToken);
            }
            var end = _position < stallAfter ? stallAfter : data.Length;
            var count = Math.Min(buffer.Length, end - _position);
            data.AsMemory(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
