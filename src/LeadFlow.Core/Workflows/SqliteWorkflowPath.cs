using System.Collections.Concurrent;
using LeadFlow.Core.Storage;
using LeadFlow.Workflows.Runtime;
using LeadFlow.Workflows.Stores;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Core.Workflows;

/// <summary>A commit effect the SQLite store can apply: its statements, run in the instance commit's savepoint.</summary>
internal interface ISqliteCommitEffect : IWorkflowCommitEffect
{
    /// <summary>Writes the effect; throws a <see cref="WorkflowConcurrencyException"/> with EffectConflict set when its data changed.</summary>
    void Apply(SqliteWorkflowPath.EffectWriter writer);
}

/// <summary>
/// The engine's hot path on SQLite, under <see cref="EfWorkflowStore"/>: the per-instance reads (instance state,
/// bookmark by id, bookmarks by event) and the instance commit as prepared statements on long-lived connections,
/// instead of a DbContext scope, a connection open (with its pragmas) and a LINQ translation per call.
/// <para>
/// Connections are opened through <see cref="LeadFlowDbContext"/>, so they get exactly the pragmas and functions every
/// other connection gets. Readers are pooled; the one writer connection is used only under the <see cref="WriteGate"/>.
/// </para>
/// <para>
/// Group commit: a commit queues itself and then waits for the gate. Whoever holds the gate takes every commit queued
/// so far and writes them in one SQLite transaction, each inside its own savepoint: an instance commit is applied
/// entirely or not at all (a revision or unique-index conflict rolls back only that savepoint and fails only that
/// commit), and one fsync covers the batch. A commit found already written when its caller gets the gate costs that
/// caller nothing more. Alone, a commit is its own batch of one.
/// </para>
/// </summary>
internal sealed class SqliteWorkflowPath(IServiceScopeFactory scopes, WriteGate writeGate) : IAsyncDisposable
{
    /// <summary>At most this many instance commits share one transaction.</summary>
    public const int MaxBatch = 256;

    private const string InsertInstance =
        "INSERT INTO workflow_instances (id, definition_id, definition_version_id, version, name, status, correlation_id, exclusive_key, created_at, last_executed_at, finished_at, revision, state) " +
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";

    private const string UpdateInstance =
        "UPDATE workflow_instances SET definition_id = $2, definition_version_id = $3, version = $4, name = $5, status = $6, correlation_id = $7, exclusive_key = $8, " +
        "created_at = $9, last_executed_at = $10, finished_at = $11, revision = $12, state = $13 WHERE id = $1 AND revision = $14";

    private const string DeleteBookmark = "DELETE FROM workflow_bookmarks WHERE id = $1";

    private const string InsertBookmark =
        "INSERT INTO workflow_bookmarks (id, workflow_instance_id, event_name, hash, correlation_id, due_at, data) VALUES ($1, $2, $3, $4, $5, $6, $7)";

    private const string InsertJournal =
        "INSERT INTO workflow_journal (workflow_instance_id, timestamp, event_name, activity_id, data) VALUES ($1, $2, $3, $4, $5)";

    private const string SelectState = "SELECT state FROM workflow_instances WHERE id = $1";
    private const string SelectBookmark = "SELECT data FROM workflow_bookmarks WHERE id = $1";
    private const string SelectBookmarksByHash = "SELECT data FROM workflow_bookmarks WHERE event_name = $1 AND hash = $2";
    private const string SelectBookmarksByCorrelation = "SELECT data FROM workflow_bookmarks WHERE event_name = $1 AND hash = $2 AND correlation_id = $3";

    // A start's policy check: one aggregate over the (definition_id, correlation_id) index instead of every row through EF.
    private const string SelectHistory =
        "SELECT count(*), coalesce(sum(status IN ('Idle', 'Running', 'Suspended', 'Faulted')), 0), max(created_at) FROM workflow_instances WHERE definition_id = $1 AND correlation_id = $2";

    private const string SelectHistoryUncorrelated =
        "SELECT count(*), coalesce(sum(status IN ('Idle', 'Running', 'Suspended', 'Faulted')), 0), max(created_at) FROM workflow_instances WHERE definition_id = $1 AND correlation_id IS NULL";

    private readonly ConcurrentBag<Lease> _readers = [];
    private readonly ConcurrentQueue<PendingCommit> _queue = new();
    private Lease? _writer;
    private bool _disposed;

    /// <summary>One instance commit as rows, serialized before it queues, with the activities' effects to apply in its savepoint.</summary>
    public sealed record RowCommit(WorkflowInstanceRow Instance, long? ExpectedRevision, IReadOnlyList<string> RemovedBookmarkIds,
        IReadOnlyList<WorkflowBookmarkRow> Bookmarks, IReadOnlyList<WorkflowJournalRow> Journal, IReadOnlyList<IWorkflowCommitEffect> Effects);

    // ---- reads ----

    public Task<byte[]?> FindStateAsync(string instanceId, CancellationToken cancellationToken) => ReadOneAsync(SelectState, instanceId, cancellationToken);

    public Task<byte[]?> FindBookmarkAsync(string bookmarkId, CancellationToken cancellationToken) => ReadOneAsync(SelectBookmark, bookmarkId, cancellationToken);

    public async Task<List<byte[]>> FindBookmarksAsync(string eventName, string hash, string? correlationId, CancellationToken cancellationToken)
    {
        var lease = await RentAsync(cancellationToken);
        try
        {
            var command = correlationId is null
                ? lease.Command(SelectBookmarksByHash, eventName, hash)
                : lease.Command(SelectBookmarksByCorrelation, eventName, hash, correlationId);
            var result = new List<byte[]>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                result.Add((byte[])reader.GetValue(0));
            }
            return result;
        }
        finally
        {
            _readers.Add(lease);
        }
    }

    /// <summary>How many instances of the definition the correlation has, how many are active, and when the last was created.</summary>
    public async Task<CorrelationHistory> CorrelationHistoryAsync(string definitionId, string? correlationId, CancellationToken cancellationToken)
    {
        var lease = await RentAsync(cancellationToken);
        try
        {
            var command = correlationId is null ? lease.Command(SelectHistoryUncorrelated, definitionId) : lease.Command(SelectHistory, definitionId, correlationId);
            using var reader = command.ExecuteReader();
            reader.Read();
            var total = reader.GetInt32(0);
            return total == 0
                ? new CorrelationHistory(0, 0, null)
                : new CorrelationHistory(total, reader.GetInt32(1), new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(2), DateTimeKind.Utc)));
        }
        finally
        {
            _readers.Add(lease);
        }
    }

    /// <summary>Runs <paramref name="read"/> on a pooled reader connection (prepared statements kept per connection).</summary>
    public async Task<T> ReadAsync<T>(Func<Lease, T> read, CancellationToken cancellationToken)
    {
        var lease = await RentAsync(cancellationToken);
        try
        {
            return read(lease);
        }
        finally
        {
            _readers.Add(lease);
        }
    }

    private async Task<byte[]?> ReadOneAsync(string sql, string key, CancellationToken cancellationToken)
    {
        var lease = await RentAsync(cancellationToken);
        try
        {
            using var reader = lease.Command(sql, key).ExecuteReader();
            return reader.Read() ? (byte[])reader.GetValue(0) : null;
        }
        finally
        {
            _readers.Add(lease);
        }
    }

    private async ValueTask<Lease> RentAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _readers.TryTake(out var lease) ? lease : await Lease.OpenAsync(scopes, cancellationToken);
    }

    // ---- commits ----

    public async Task CommitAsync(RowCommit commit, CancellationToken cancellationToken)
    {
        var pending = new PendingCommit(commit);
        _queue.Enqueue(pending);
        IDisposable turn;
        try
        {
            turn = await writeGate.EnterAsync(cancellationToken);
        }
        catch when (pending.TryWithdraw())
        {
            throw;
        }
        catch
        {
            // A batch already took this commit: its outcome is the outcome.
            await pending.Done.Task;
            return;
        }
        using (turn)
        {
            if (!pending.Done.Task.IsCompleted)
            {
                await WriteBatchAsync(cancellationToken);
            }
        }
        await pending.Done.Task;
    }

    private async Task WriteBatchAsync(CancellationToken cancellationToken)
    {
        var batch = new List<PendingCommit>();
        while (batch.Count < MaxBatch && _queue.TryDequeue(out var next))
        {
            if (next.TryTake())
            {
                batch.Add(next);
            }
        }
        if (batch.Count == 0)
        {
            return;
        }
        var failures = new Exception?[batch.Count];
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _writer ??= await Lease.OpenAsync(scopes, CancellationToken.None);
            using var transaction = _writer.Connection.BeginTransaction();
            for (var i = 0; i < batch.Count; i++)
            {
                transaction.Save("c");
                try
                {
                    Apply(_writer, transaction, batch[i].Commit);
                    transaction.Release("c");
                }
                catch (Exception ex) when (ex is WorkflowConcurrencyException or SqliteException { SqliteErrorCode: 19 })
                {
                    // A revision, unique-index or effect conflict (WorkflowConcurrencyException.EffectConflict) fails this commit only.
                    transaction.Rollback("c");
                    transaction.Release("c");
                    failures[i] = ex as WorkflowConcurrencyException ?? Conflict(batch[i].Commit, (SqliteException)ex);
                }
            }
            transaction.Commit();
        }
        catch (Exception ex)
        {
            // The whole transaction failed (I/O, busy, disposed): nothing of the batch was written.
            if (_writer is not null && ex is SqliteException)
            {
                await _writer.DisposeAsync();
                _writer = null;
            }
            foreach (var pending in batch)
            {
                pending.Done.TrySetException(ex);
            }
            return;
        }
        for (var i = 0; i < batch.Count; i++)
        {
            if (failures[i] is { } failure)
            {
                batch[i].Done.TrySetException(failure);
            }
            else
            {
                batch[i].Done.TrySetResult();
            }
        }
        _ = cancellationToken;
    }

    private static void Apply(Lease lease, SqliteTransaction transaction, RowCommit commit)
    {
        var row = commit.Instance;
        if (commit.ExpectedRevision is { } expected)
        {
            var changed = lease.Command(UpdateInstance, transaction, row.Id, row.DefinitionId, row.DefinitionVersionId, row.Version, row.Name, row.Status, row.CorrelationId,
                row.ExclusiveKey, row.CreatedAt, row.LastExecutedAt, row.FinishedAt, row.Revision, row.State, expected).ExecuteNonQuery();
            if (changed == 0)
            {
                throw new WorkflowConcurrencyException($"Instance '{row.Id}' is not at revision {expected}: another commit changed it.");
            }
        }
        else
        {
            lease.Command(InsertInstance, transaction, row.Id, row.DefinitionId, row.DefinitionVersionId, row.Version, row.Name, row.Status, row.CorrelationId,
                row.ExclusiveKey, row.CreatedAt, row.LastExecutedAt, row.FinishedAt, row.Revision, row.State).ExecuteNonQuery();
        }
        foreach (var id in commit.RemovedBookmarkIds)
        {
            lease.Command(DeleteBookmark, transaction, id).ExecuteNonQuery();
        }
        foreach (var b in commit.Bookmarks)
        {
            lease.Command(InsertBookmark, transaction, b.Id, b.WorkflowInstanceId, b.EventName, b.Hash, b.CorrelationId, b.DueAt, b.Data).ExecuteNonQuery();
        }
        foreach (var j in commit.Journal)
        {
            lease.Command(InsertJournal, transaction, j.WorkflowInstanceId, j.Timestamp, j.EventName, j.ActivityId, j.Data).ExecuteNonQuery();
        }
        if (commit.Effects.Count > 0)
        {
            var writer = new EffectWriter(lease, transaction);
            foreach (var effect in commit.Effects)
            {
                ((ISqliteCommitEffect)effect).Apply(writer);   // checked by EfWorkflowStore before the commit queued
            }
        }
    }

    /// <summary>What an <see cref="ISqliteCommitEffect"/> writes with: prepared statements on the writer connection, in the commit's savepoint.</summary>
    public sealed class EffectWriter
    {
        private readonly Lease _lease;
        private readonly SqliteTransaction _transaction;

        internal EffectWriter(Lease lease, SqliteTransaction transaction)
        {
            _lease = lease;
            _transaction = transaction;
        }

        /// <summary>Runs one statement ($1, $2... are the values in order); returns the rows it changed.</summary>
        public int Execute(string sql, params ReadOnlySpan<object?> values) => _lease.Command(sql, _transaction, values).ExecuteNonQuery();
    }

    private static WorkflowConcurrencyException Conflict(RowCommit commit, SqliteException ex) =>
        // A unique index refused the row: the instance exists already, or another instance holds its exclusive key.
        new(commit.ExpectedRevision is null
            ? $"Instance '{commit.Instance.Id}' exists already or exclusive key '{commit.Instance.ExclusiveKey}' is held by another instance."
            : $"Exclusive key '{commit.Instance.ExclusiveKey}' of instance '{commit.Instance.Id}' is held by another instance. " + ex.Message);

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        while (_readers.TryTake(out var lease))
        {
            await lease.DisposeAsync();
        }
        using (await writeGate.EnterAsync(CancellationToken.None))
        {
            if (_writer is not null)
            {
                await _writer.DisposeAsync();
                _writer = null;
            }
        }
    }

    private sealed class PendingCommit(RowCommit commit)
    {
        private int _state; // 0 queued, 1 taken by a batch, 2 withdrawn by its caller

        public RowCommit Commit { get; } = commit;
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool TryTake() => Interlocked.CompareExchange(ref _state, 1, 0) == 0;

        public bool TryWithdraw() => Interlocked.CompareExchange(ref _state, 2, 0) == 0;
    }

    /// <summary>An open connection (from a DbContext, so with the usual pragmas) and its prepared statements.</summary>
    internal sealed class Lease : IAsyncDisposable
    {
        private readonly AsyncServiceScope _scope;
        private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

        private Lease(AsyncServiceScope scope, SqliteConnection connection)
        {
            _scope = scope;
            Connection = connection;
        }

        public SqliteConnection Connection { get; }

        public static async Task<Lease> OpenAsync(IServiceScopeFactory scopes, CancellationToken cancellationToken)
        {
            var scope = scopes.CreateAsyncScope();
            try
            {
                var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
                await db.Database.OpenConnectionAsync(cancellationToken);
                return new Lease(scope, (SqliteConnection)db.Database.GetDbConnection());
            }
            catch
            {
                await scope.DisposeAsync();
                throw;
            }
        }

        public SqliteCommand Command(string sql, params ReadOnlySpan<object?> values) => Command(sql, null, values);

        public SqliteCommand Command(string sql, SqliteTransaction? transaction, params ReadOnlySpan<object?> values)
        {
            if (!_commands.TryGetValue(sql, out var command))
            {
                command = Connection.CreateCommand();
                command.CommandText = sql;
                for (var i = 1; i <= values.Length; i++)
                {
                    command.Parameters.Add(new SqliteParameter("$" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), null));
                }
                _commands[sql] = command;
            }
            command.Transaction = transaction;
            for (var i = 0; i < values.Length; i++)
            {
                command.Parameters[i].Value = values[i] ?? DBNull.Value;
            }
            return command;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var command in _commands.Values)
            {
                await command.DisposeAsync();
            }
            await _scope.DisposeAsync();
        }
    }
}
