using LeadFlow.Core.Storage;
using LeadFlow.Workflows.Json;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;
using LeadFlow.Workflows.Stores;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Core.Workflows;

/// <summary>
/// The engine's three stores on <see cref="LeadFlowDbContext"/>. Each call opens its own scope (the engine is a
/// singleton); each commit is one transaction, taken behind the <see cref="WriteGate"/> so SQLite writers queue
/// in-process. Instance state is kept as <see cref="WorkflowStateSerializer"/> bytes next to indexed columns; an
/// instance row is updated only where its revision is the one the engine loaded (optimistic concurrency).
/// On SQLite the engine's per-instance calls (state, bookmarks, commit) take <see cref="SqliteWorkflowPath"/>:
/// prepared statements on long-lived connections and group commits. Definition versions the engine runs are cached
/// (<see cref="WorkflowDefinitionCache"/>).
/// </summary>
public sealed class EfWorkflowStore(IServiceScopeFactory scopes, WriteGate writeGate)
    : IWorkflowDefinitionStore, IWorkflowInstanceStore, IWorkflowJournalStore, IPublishedDefinitionSource, IWorkflowCommitEffectStore, IAsyncDisposable
{
    private readonly WorkflowDefinitionCache _definitionCache = new();
    private readonly SemaphoreSlim _providerProbe = new(1, 1);
    private int _provider; // 0 not known yet, 1 SQLite (fast path), 2 other
    private SqliteWorkflowPath? _sqlite;

    /// <summary>The SQLite fast path, or null on another provider (decided once, from the DbContext's provider).</summary>
    private async ValueTask<SqliteWorkflowPath?> SqliteAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _provider) == 0)
        {
            await _providerProbe.WaitAsync(cancellationToken);
            try
            {
                if (_provider == 0)
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var isSqlite = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>().IsSqlite;
                    _sqlite = isSqlite ? new SqliteWorkflowPath(scopes, writeGate) : null;
                    Volatile.Write(ref _provider, isSqlite ? 1 : 2);
                }
            }
            finally
            {
                _providerProbe.Release();
            }
        }
        return _sqlite;
    }

    /// <summary>The SQLite fast path's connections for other hot reads of the engine (the contact for expressions); null on another provider.</summary>
    internal ValueTask<SqliteWorkflowPath?> SqlitePathAsync(CancellationToken cancellationToken) => SqliteAsync(cancellationToken);

    /// <summary>Commit effects are applied on SQLite (in the instance commit's savepoint); on another provider activities write directly.</summary>
    public async ValueTask<bool> AppliesCommitEffectsAsync(CancellationToken cancellationToken) => await SqliteAsync(cancellationToken) is not null;

    public async ValueTask DisposeAsync()
    {
        if (_sqlite is not null)
        {
            await _sqlite.DisposeAsync();
        }
        _providerProbe.Dispose();
    }

    private static readonly string[] ActiveStatuses =
        [nameof(WorkflowStatus.Idle), nameof(WorkflowStatus.Running), nameof(WorkflowStatus.Suspended), nameof(WorkflowStatus.Faulted)];

    // ---- definitions ----

    public async Task<IReadOnlyList<WorkflowDefinition>> ListVersionsAsync(string definitionId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        var data = await db.WorkflowDefinitions.AsNoTracking().Where(r => r.DefinitionId == definitionId)
            .OrderBy(r => r.Version).Select(r => r.Data).ToListAsync(cancellationToken);
        return data.Select(ReadDefinition).ToList();
    }

    /// <summary>A version; published and superseded versions come from the cache (shared, read-only: the engine's use).</summary>
    public async Task<WorkflowDefinition?> FindByVersionIdAsync(string versionId, CancellationToken cancellationToken)
    {
        if (_definitionCache.TryGetVersion(versionId, out var cached))
        {
            return cached;
        }
        var generation = _definitionCache.Generation;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        var data = await db.WorkflowDefinitions.AsNoTracking().Where(r => r.Id == versionId).Select(r => r.Data).FirstOrDefaultAsync(cancellationToken);
        if (data is null)
        {
            return null;
        }
        var definition = ReadDefinition(data);
        _definitionCache.AddVersion(definition, generation);
        return definition;
    }

    /// <summary>The published version of a definition for the engine's starts, cached (shared, read-only).</summary>
    public async Task<WorkflowDefinition?> FindPublishedAsync(string definitionId, CancellationToken cancellationToken)
    {
        if (_definitionCache.TryGetPublished(definitionId, out var cached))
        {
            return cached;
        }
        var generation = _definitionCache.Generation;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        var data = await db.WorkflowDefinitions.AsNoTracking().Where(r => r.DefinitionId == definitionId && r.IsPublished)
            .OrderBy(r => r.Version).Select(r => r.Data).FirstOrDefaultAsync(cancellationToken);
        var published = data is null ? null : ReadDefinition(data);
        _definitionCache.AddPublished(definitionId, published, generation);
        return published;
    }

    /// <summary>Every definition id with its versions' summary columns, for listings.</summary>
    public async Task<IReadOnlyList<WorkflowDefinitionRow>> ListDefinitionSummariesAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        var rows = await db.WorkflowDefinitions.AsNoTracking()
            .Select(r => new WorkflowDefinitionRow { Id = r.Id, DefinitionId = r.DefinitionId, Name = r.Name, Version = r.Version, IsLatest = r.IsLatest, IsPublished = r.IsPublished, CreatedAt = r.CreatedAt })
            .ToListAsync(cancellationToken);
        return rows.OrderBy(r => r.DefinitionId, StringComparer.Ordinal).ThenBy(r => r.Version).ToList();
    }

    public async Task CommitAsync(WorkflowDefinitionCommit commit, CancellationToken cancellationToken)
    {
        _definitionCache.Clear();
        try
        {
            await CommitDefinitionsAsync(commit, cancellationToken);
        }
        finally
        {
            // Again: a read between the first clear and the commit may have cached what the commit replaced.
            _definitionCache.Clear();
        }
    }

    private async Task CommitDefinitionsAsync(WorkflowDefinitionCommit commit, CancellationToken cancellationToken)
    {
        using var turn = await writeGate.EnterAsync(cancellationToken);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (commit.DeletedVersionIds.Count > 0)
        {
            var deleted = commit.DeletedVersionIds.ToList();
            await db.WorkflowDefinitions.Where(r => deleted.Contains(r.Id)).ExecuteDeleteAsync(cancellationToken);
        }
        if (commit.Upserts.Count > 0)
        {
            var ids = commit.Upserts.Select(v => v.Id).ToList();
            var existing = await db.WorkflowDefinitions.Where(r => ids.Contains(r.Id)).ToDictionaryAsync(r => r.Id, StringComparer.Ordinal, cancellationToken);
            foreach (var version in commit.Upserts)
            {
                if (!existing.TryGetValue(version.Id, out var row))
                {
                    row = new WorkflowDefinitionRow { Id = version.Id };
                    db.WorkflowDefinitions.Add(row);
                }
                else if (row.DefinitionId != version.DefinitionId)
                {
                    throw new InvalidOperationException($"Version id '{version.Id}' belongs to definition '{row.DefinitionId}'.");
                }
                row.DefinitionId = version.DefinitionId;
                row.Name = version.Name;
                row.Version = version.Version;
                row.IsLatest = version.IsLatest;
                row.IsPublished = version.IsPublished;
                row.CreatedAt = version.CreatedAt.UtcDateTime;
                row.Data = System.Text.Encoding.UTF8.GetBytes(ElsaJson.WriteDefinition(version, ElsaDefinitionForm.File));
            }
        }
        if (commit.Triggers is not null)
        {
            await db.WorkflowTriggers.Where(r => r.DefinitionId == commit.DefinitionId).ExecuteDeleteAsync(cancellationToken);
            db.WorkflowTriggers.AddRange(commit.Triggers.Select(t => new WorkflowTriggerRow
            {
                DefinitionId = t.DefinitionId,
                VersionId = t.VersionId,
                ActivityId = t.ActivityId,
                EventName = t.EventName,
                Hash = t.Hash,
                Data = WorkflowStateSerializer.SerializeValue(t),
            }));
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Cached for <see cref="WorkflowDefinitionCache.Lifetime"/> (cleared by a definition commit on this node): every dispatch asks.</summary>
    public async Task<IReadOnlyList<WorkflowTrigger>> FindTriggersAsync(string eventName, string hash, CancellationToken cancellationToken)
    {
        if (_definitionCache.TryGetTriggers(eventName, hash, out var cached))
        {
            return cached;
        }
        var generation = _definitionCache.Generation;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        var data = await db.WorkflowTriggers.AsNoTracking().Where(r => r.EventName == eventName && r.Hash == hash).Select(r => r.Data).ToListAsync(cancellationToken);
        var triggers = data.Select(d => WorkflowStateSerializer.DeserializeValue<WorkflowTrigger>(d)!).ToList();
        _definitionCache.AddTriggers(eventName, hash, triggers, generation);
        return triggers;
    }

    public async Task<IReadOnlyList<WorkflowTrigger>> ListTriggersAsync(string eventName, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        var data = await db.WorkflowTriggers.AsNoTracking().Where(r => r.EventName == eventName).Select(r => r.Data).ToListAsync(cancellationToken);
        return data.Select(d => WorkflowStateSerializer.DeserializeValue<WorkflowTrigger>(d)!).ToList();
    }

    // ---- instances ----

    public async Task<WorkflowInstance?> FindAsync(string instanceId, CancellationToken cancellationToken)
    {
        if (await SqliteAsync(cancellationToken) is { } sqlite)
        {
            var bytes = await sqlite.FindStateAsync(instanceId, cancellationToken);
            return bytes is null ? null : WorkflowStateSerializer.Deserialize(bytes);
        }
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        var state = await db.WorkflowInstances.AsNoTracking().Where(r => r.Id == instanceId).Select(r => r.State).FirstOrDefaultAsync(cancellationToken);
        return state is null ? null : WorkflowStateSerializer.Deserialize(state);
    }

    public async Task CommitAsync(WorkflowInstanceCommit commit, CancellationToken cancellationToken)
    {
        var instance = commit.Instance;
        var row = new WorkflowInstanceRow
        {
            Id = instance.Id,
            DefinitionId = instance.DefinitionId,
            DefinitionVersionId = instance.DefinitionVersionId,
            Version = instance.Version,
            Name = instance.Name,
            Status = instance.Status.ToString(),
            CorrelationId = instance.CorrelationId,
            ExclusiveKey = instance.ExclusiveKey,
            CreatedAt = instance.CreatedAt.UtcDateTime,
            LastExecutedAt = instance.LastExecutedAt?.UtcDateTime,
            FinishedAt = instance.FinishedAt?.UtcDateTime,
            Revision = instance.Revision,
            State = WorkflowStateSerializer.Serialize(instance),
        };
        var bookmarks = commit.AddedBookmarks.Select(b => new WorkflowBookmarkRow
        {
            Id = b.Id,
            WorkflowInstanceId = b.WorkflowInstanceId,
            EventName = b.EventName,
            Hash = b.Hash,
            CorrelationId = b.CorrelationId,
            DueAt = b.DueAt,
            Data = WorkflowStateSerializer.SerializeValue(b),
        }).ToList();
        var journal = commit.Journal.Select(j => new WorkflowJournalRow
        {
            WorkflowInstanceId = j.WorkflowInstanceId,
            Timestamp = j.Timestamp.UtcDateTime,
            EventName = j.EventName,
            ActivityId = j.ActivityId,
            Data = WorkflowStateSerializer.SerializeValue(j),
        }).ToList();

        if (await SqliteAsync(cancellationToken) is { } sqlite)
        {
            if (commit.Effects.FirstOrDefault(e => e is not ISqliteCommitEffect) is { } unknown)
            {
                // Refused before it queues: inside a group commit it would fail the other instances' commits too.
                throw new InvalidOperationException($"The SQLite workflow store cannot apply a {unknown.GetType().Name}.");
            }
            await sqlite.CommitAsync(new SqliteWorkflowPath.RowCommit(row, commit.ExpectedRevision, commit.RemovedBookmarkIds, bookmarks, journal, commit.Effects), cancellationToken);
            return;
        }
        if (commit.Effects.Count > 0)
        {
            throw new InvalidOperationException("Commit effects are applied only on SQLite; on this provider activities write directly (AppliesCommitEffectsAsync is false).");
        }
        using var turn = await writeGate.EnterAsync(cancellationToken);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            if (commit.ExpectedRevision is { } expected)
            {
                var entry = db.WorkflowInstances.Attach(row);
                entry.State = EntityState.Modified;
                entry.Property(r => r.Revision).OriginalValue = expected;
            }
            else
            {
                db.WorkflowInstances.Add(row);
            }
            if (commit.RemovedBookmarkIds.Count > 0)
            {
                var removed = commit.RemovedBookmarkIds.ToList();
                await db.WorkflowBookmarks.Where(r => removed.Contains(r.Id)).ExecuteDeleteAsync(cancellationToken);
            }
            db.WorkflowBookmarks.AddRange(bookmarks);
            db.WorkflowJournal.AddRange(journal);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new WorkflowConcurrencyException($"Instance '{instance.Id}' is not at revision {commit.ExpectedRevision}: another commit changed it.");
        }
        catch (DbUpdateException ex) when (IsUniqueViolation(ex))
        {
            // A unique index refused the row: the instance exists already, or another instance holds its exclusive key.
            throw new WorkflowConcurrencyException(
                commit.ExpectedRevision is null
                    ? $"Instance '{instance.Id}' exists already or exclusive key '{instance.ExclusiveKey}' is held by another instance."
                    : $"Exclusive key '{instance.ExclusiveKey}' of instance '{instance.Id}' is held by another instance. " + ex.InnerException?.Message);
        }
    }

    /// <summary>Instance summaries (no state), newest first, filtered by definition, correlation and status; indexed filters.</summary>
    public async Task<IReadOnlyList<WorkflowInstanceRow>> ListInstancesAsync(string? definitionId, string? correlationId, WorkflowStatus? status, int skip, int take, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        var query = db.WorkflowInstances.AsNoTracking();
        if (definitionId is not null)
        {
            query = query.Where(r => r.DefinitionId == definitionId);
        }
        if (correlationId is not null)
        {
            query = query.Where(r => r.CorrelationId == correlationId);
        }
        if (status is { } wanted)
        {
            var text = wanted.ToString();
            query = query.Where(r => r.Status == text);
        }
        return await query.OrderByDescending(r => r.CreatedAt).ThenBy(r => r.Id).Skip(skip).Take(take)
            .Select(r => new WorkflowInstanceRow
            {
                Id = r.Id, DefinitionId = r.DefinitionId, DefinitionVersionId = r.DefinitionVersionId, Version = r.Version, Name = r.Name,
                Status = r.Status, CorrelationId = r.CorrelationId, CreatedAt = r.CreatedAt, LastExecutedAt = r.LastExecutedAt, FinishedAt = r.FinishedAt, Revision = r.Revision,
            })
            .ToListAsync(cancellationToken);
    }

    public async Task<Bookmark?> FindBookmarkAsync(string bookmarkId, CancellationToken cancellationToken)
    {
        if (await SqliteAsync(cancellationToken) is { } sqlite)
        {
            var bytes = await sqlite.FindBookmarkAsync(bookmarkId, cancellationToken);
            return bytes is null ? null : ReadBookmark(bytes);
        }
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        var data = await db.WorkflowBookmarks.AsNoTracking().Where(r => r.Id == bookmarkId).Select(r => r.Data).FirstOrDefaultAsync(cancellationToken);
        return data is null ? null : ReadBookmark(data);
    }

    public async Task<IReadOnlyList<Bookmark>> FindBookmarksAsync(string eventName, string hash, string? correlationId, CancellationToken cancellationToken)
    {
        if (await SqliteAsync(cancellationToken) is { } sqlite)
        {
            return (await sqlite.FindBookmarksAsync(eventName, hash, correlationId, cancellationToken)).Select(ReadBookmark).ToList();
        }
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        var query = db.WorkflowBookmarks.AsNoTracking().Where(r => r.EventName == eventName && r.Hash == hash);
        if (correlationId is not null)
        {
            query = query.Where(r => r.CorrelationId == correlationId);
        }
        var data = await query.Select(r => r.Data).ToListAsync(cancellationToken);
        return data.Select(ReadBookmark).ToList();
    }

    public async Task<IReadOnlyList<Bookmark>> ListDueBookmarksAsync(DateTime dueAtOrBeforeUtc, int take, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        var data = await db.WorkflowBookmarks.AsNoTracking().Where(r => r.DueAt != null && r.DueAt <= dueAtOrBeforeUtc)
            .OrderBy(r => r.DueAt).ThenBy(r => r.Id).Take(take).Select(r => r.Data).ToListAsync(cancellationToken);
        return data.Select(ReadBookmark).ToList();
    }

    public async Task<CorrelationHistory> GetCorrelationHistoryAsync(string definitionId, string? correlationId, CancellationToken cancellationToken)
    {
        if (await SqliteAsync(cancellationToken) is { } sqlite)
        {
            return await sqlite.CorrelationHistoryAsync(definitionId, correlationId, cancellationToken);
        }
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        var rows = await db.WorkflowInstances.AsNoTracking().Where(r => r.DefinitionId == definitionId && r.CorrelationId == correlationId)
            .Select(r => new { r.Status, r.CreatedAt }).ToListAsync(cancellationToken);
        if (rows.Count == 0)
        {
            return new CorrelationHistory(0, 0, null);
        }
        var last = rows.Max(r => r.CreatedAt);
        return new CorrelationHistory(rows.Count, rows.Count(r => ActiveStatuses.Contains(r.Status)), new DateTimeOffset(DateTime.SpecifyKind(last, DateTimeKind.Utc)));
    }

    public async Task<bool> DeleteAsync(string instanceId, CancellationToken cancellationToken)
    {
        using var turn = await writeGate.EnterAsync(cancellationToken);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.WorkflowBookmarks.Where(r => r.WorkflowInstanceId == instanceId).ExecuteDeleteAsync(cancellationToken);
        await db.WorkflowJournal.Where(r => r.WorkflowInstanceId == instanceId).ExecuteDeleteAsync(cancellationToken);
        var deleted = await db.WorkflowInstances.Where(r => r.Id == instanceId).ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return deleted > 0;
    }

    // ---- journal ----

    public async Task<IReadOnlyList<JournalRecord>> ListAsync(string workflowInstanceId, int skip, int take, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        var data = await db.WorkflowJournal.AsNoTracking().Where(r => r.WorkflowInstanceId == workflowInstanceId)
            .OrderBy(r => r.Id).Skip(skip).Take(take).Select(r => r.Data).ToListAsync(cancellationToken);
        return data.Select(d => WorkflowStateSerializer.DeserializeValue<JournalRecord>(d)!).ToList();
    }

    private static bool IsUniqueViolation(DbUpdateException ex) => ex.InnerException switch
    {
        Microsoft.Data.Sqlite.SqliteException sqlite => sqlite.SqliteErrorCode == 19, // SQLITE_CONSTRAINT
        Npgsql.PostgresException postgres => postgres.SqlState == Npgsql.PostgresErrorCodes.UniqueViolation,
        _ => false,
    };

    private static WorkflowDefinition ReadDefinition(byte[] data) => ElsaJson.ReadDefinition(System.Text.Encoding.UTF8.GetString(data));

    private static Bookmark ReadBookmark(byte[] data) => WorkflowStateSerializer.DeserializeValue<Bookmark>(data)!;
}
