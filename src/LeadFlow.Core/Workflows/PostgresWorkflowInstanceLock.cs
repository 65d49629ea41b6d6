using System.Text;
using LeadFlow.Core.Storage;
using LeadFlow.Workflows.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LeadFlow.Core.Workflows;

/// <summary>
/// The instance lock across nodes on PostgreSQL: a transaction-scoped advisory lock (<c>pg_advisory_xact_lock</c>)
/// keyed by a 64-bit hash of the instance id, taken in a transaction of its own on a connection of its own and held
/// until the resume (or retry, or cancel) is done. Releasing rolls that transaction back and returns the connection;
/// if the process dies or the connection breaks instead, the server ends the transaction and the lock with it, so a
/// crashed node never leaves an instance locked. Two ids with the same hash only share a lock (they wait for each
/// other), which is safe. Waiting is cancelled with the caller's token.
/// </summary>
public sealed class PostgresWorkflowInstanceLock : IWorkflowInstanceLock, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly InProcessWorkflowInstanceLock _local = new();

    public PostgresWorkflowInstanceLock(string connectionString)
    {
        // A pool of its own: a held lock keeps its connection busy, and must not take the application's connections.
        _dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "leadflow-instance-lock" }.ConnectionString);
    }

    public async ValueTask<IAsyncDisposable> AcquireAsync(string instanceId, CancellationToken cancellationToken)
    {
        // Waiters of this node queue in process first, so they do not each hold a connection while they wait.
        var local = await _local.AcquireAsync(instanceId, cancellationToken).ConfigureAwait(false);
        NpgsqlConnection? connection = null;
        NpgsqlTransaction? transaction = null;
        try
        {
            connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction);
            command.Parameters.Add(new NpgsqlParameter { Value = Key(instanceId) });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return new Held(connection, transaction, local);
        }
        catch
        {
            if (transaction is not null)
            {
                await transaction.DisposeAsync().ConfigureAwait(false);
            }
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            await local.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The advisory lock key of an instance id: FNV-1a 64 over its UTF-8 bytes (the same on every node and run).</summary>
    public static long Key(string instanceId)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(instanceId))
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }
        return unchecked((long)hash);
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private sealed class Held(NpgsqlConnection connection, NpgsqlTransaction transaction, IAsyncDisposable local) : IAsyncDisposable
    {
        private int _released;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0)
            {
                return;
            }
            try
            {
                // Ending the transaction releases the lock. Not cancellable: the lock must not outlive its holder.
                await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
            {
                // The connection is broken: the server has ended the session, and the lock with it.
            }
            finally
            {
                await transaction.DisposeAsync().ConfigureAwait(false);
                await connection.DisposeAsync().ConfigureAwait(false);
                await local.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}

/// <summary>Picks the instance lock for the configured database.</summary>
public static class WorkflowInstanceLocks
{
    /// <summary>PostgreSQL (several nodes may share the database): advisory locks; SQLite (one node): in process.</summary>
    public static IWorkflowInstanceLock Create(IServiceProvider provider)
    {
        var storage = provider.GetService<IOptions<StorageOptions>>()?.Value;
        return storage?.Provider == DatabaseProvider.PostgreSql
            ? new PostgresWorkflowInstanceLock(storage.ResolveConnectionString())
            : new InProcessWorkflowInstanceLock();
    }
}
