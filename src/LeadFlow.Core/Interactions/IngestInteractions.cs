using System.Data.Common;
using System.Threading.Channels;
using LeadFlow.Core.Storage;

namespace LeadFlow.Core.Interactions;

/// <summary>
/// What happened to one interaction of a request. <c>InteractionId</c> is the stored interaction's id, or null for a
/// duplicate (stored earlier, or earlier in the same request).
/// </summary>
public sealed record IngestedItem(int Line, string Source, string EventId, long ContactId, long? InteractionId)
{
    public bool Duplicate => InteractionId is null;
}

/// <summary>Either every item's fate (all committed), or the lines that made the whole request fail (nothing stored).</summary>
public sealed record IngestResult(IReadOnlyList<IngestedItem> Items, IReadOnlyList<LineError> Errors, int CreatedContacts)
{
    public bool Succeeded => Errors.Count == 0;

    /// <summary>
    /// How long the request held the database's single writer (SQLite's <see cref="WriteGate"/>), from its turn to the
    /// end of its commit or rollback: the time every other writer, the scoring processor included, waited for it.
    /// </summary>
    public TimeSpan WriterHeld { get; init; }

    /// <summary>
    /// The part of <see cref="WriterHeld"/> a streamed batch spent waiting for more of its body to be received and
    /// parsed, not writing.
    /// </summary>
    public TimeSpan WriterIdle { get; init; }

    public int Accepted => Items.Count(i => !i.Duplicate);
    public int Duplicates => Items.Count(i => i.Duplicate);
}

/// <summary>What a batch request came to: what its body held, and, if every line was readable, what was stored.</summary>
public sealed record BatchIngestResult(BatchReadResult Read, IngestResult? Ingest);

/// <summary>
/// Stores interactions all-or-nothing in one transaction: resolves (or creates) their contacts, drops duplicates by
/// (source, event id), and writes each new interaction together with its inbox row (<see cref="IngestTransaction"/>).
/// </summary>
/// <remarks>
/// The hot path of ingestion, so it is plain SQL rather than change tracking. SQLite (one writer at a time, queued at
/// the <see cref="WriteGate"/>): prepared statements reused for every event, and an exact duplicate check by
/// <see cref="EventKey"/> inside the transaction (<see cref="SqliteInteractionWriter"/>); a batch is written while
/// its body is still being parsed. PostgreSQL (writers side by side): one set-based statement per table and 1,000
/// events (<see cref="BulkSql"/>), with <c>ON CONFLICT DO NOTHING</c> on the unique index making duplicates, also
/// those racing in from another request, a non-event.
/// </remarks>
public sealed class IngestInteractions(LeadFlowDbContext db, WriteGate gate, TimeProvider clock)
{
    private const int MaxAttempts = 4;

    /// <summary>
    /// How long, in all, a batch may hold SQLite's writer while waiting for more of its body. A client that sends
    /// slower than the server writes would otherwise hold up every other writer; past this, the batch gives the writer
    /// up, reads the rest of its body, and writes it all afterwards.
    /// </summary>
    public static readonly TimeSpan MaxBodyWaitWhileWriting = TimeSpan.FromMilliseconds(200);

    public async Task<IngestResult> HandleAsync(IReadOnlyList<InteractionInput> items, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var turn = await gate.EnterAsync(ct);
                var entered = clock.GetTimestamp();
                await using var write = await IngestTransaction.BeginAsync(db, clock.GetUtcNow().UtcDateTime, ct);
                await write.AddAsync(items, ct);
                var result = await write.CommitAsync(ct);
                return result with { WriterHeld = clock.GetElapsedTime(entered) };
            }
            catch (DbException ex) when (IsTransient(ex) && attempt < MaxAttempts)
            {
                // The transaction was rolled back whole; nothing of this attempt is stored. Back off a little and redo it.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 25) * attempt), clock, ct);
            }
        }
    }

    /// <summary>
    /// Reads a batch body (<see cref="InteractionBatchReader"/>) and, if every line is good, stores it all. On SQLite
    /// the two overlap: a second thread parses the body into parts of <see cref="InteractionBatchReader.PartSize"/>
    /// events while this one writes the parts already parsed into the still-open transaction, which commits once the
    /// whole body is in and good. On PostgreSQL the body is read first, because a deadlock there means redoing the
    /// whole transaction.
    /// </summary>
    public async Task<BatchIngestResult> HandleBatchAsync(Stream body, BatchFormat format, int maxItems, CancellationToken ct)
    {
        var reader = new InteractionBatchReader(maxItems, clock.GetUtcNow().UtcDateTime);
        if (!db.IsSqlite)
        {
            return await WriteAfterReadingAsync(reader.ReadAsync(body, format, null, ct), ct);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var parts = Channel.CreateUnbounded<InteractionInput[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var reading = Task.Run(() => reader.ReadAsync(body, format, parts.Writer, stop.Token), CancellationToken.None);
        try
        {
            return await TryWriteWhileReadingAsync(parts.Reader, reading, ct)
                // The body had a bad line, or came slower than it could be written: finish it without the writer.
                ?? await WriteAfterReadingAsync(reading, ct);
        }
        finally
        {
            // Normally done already; after a failure here (say, no turn to write within WriteGate.MaxWait) the body
            // must not be read on after the request has ended. Its own failure then adds nothing.
            await stop.CancelAsync();
            await ((Task)reading).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// Writes each part as it is parsed, in one transaction. Null (and nothing stored) when the body turned out bad or
    /// kept the writer waiting for longer than <see cref="MaxBodyWaitWhileWriting"/>.
    /// </summary>
    private async Task<BatchIngestResult?> TryWriteWhileReadingAsync(ChannelReader<InteractionInput[]> parts, Task<BatchReadResult> reading, CancellationToken ct)
    {
        // Take the writer only once there is something to write.
        if (!await parts.WaitToReadAsync(ct))
        {
            return null;
        }
        using var turn = await gate.EnterAsync(ct);
        var entered = clock.GetTimestamp();
        await using var write = await IngestTransaction.BeginAsync(db, clock.GetUtcNow().UtcDateTime, ct);
        var waited = TimeSpan.Zero;
        while (true)
        {
            while (parts.TryRead(out var part))
            {
                await write.AddAsync(part, ct);
            }
            var started = clock.GetTimestamp();
            try
            {
                if (!await parts.WaitToReadAsync(ct).AsTask().WaitAsync(Left(waited), clock, ct))
                {
                    // Every good part is in. The reader finishes now, or, after a bad line, reads on to report every one.
                    var read = await reading.WaitAsync(Left(waited + clock.GetElapsedTime(started)), clock, ct);
                    if (!read.Succeeded)
                    {
                        return null;
                    }
                    var idle = waited + clock.GetElapsedTime(started);
                    var result = await write.CommitAsync(ct);
                    return new BatchIngestResult(read, result with { WriterHeld = clock.GetElapsedTime(entered), WriterIdle = idle });
                }
            }
            catch (TimeoutException)
            {
                return null;
            }
            waited += clock.GetElapsedTime(started);
        }
    }

    private static TimeSpan Left(TimeSpan waited) => waited < MaxBodyWaitWhileWriting ? MaxBodyWaitWhileWriting - waited : TimeSpan.Zero;

    private async Task<BatchIngestResult> WriteAfterReadingAsync(Task<BatchReadResult> reading, CancellationToken ct)
    {
        var read = await reading;
        return new BatchIngestResult(read, read.Succeeded ? await HandleAsync(read.Items, ct) : null);
    }

    /// <summary>
    /// PostgreSQL runs writers side by side: two requests creating the same new contacts or events can deadlock
    /// (40P01) or fail serialization (40001). Both are safe to retry. SQLite serialises writers instead.
    /// </summary>
    private static bool IsTransient(DbException ex) => ex.SqlState is "40P01" or "40001";
}
