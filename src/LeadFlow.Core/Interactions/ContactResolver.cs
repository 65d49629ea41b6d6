using System.Data.Common;
using LeadFlow.Core.Storage;

namespace LeadFlow.Core.Interactions;

/// <summary>
/// Finds the contact of every interaction of a request with a handful of set-based queries, and creates the contacts
/// that are not known yet from the event's email and/or external id. Works inside the caller's transaction, on the
/// request's events in one call or in consecutive parts (a streamed batch): each part queries only the keys that no
/// earlier part brought in, and matches exactly as if the whole request had come in one part.
/// </summary>
/// <remarks>
/// Matching: <c>contactId</c> when given; otherwise external id, then email. An event whose email belongs to one
/// contact and whose external id to another is an error (it would merge two people). An external id arriving
/// with the email of a contact that has none is attached to that contact.
/// </remarks>
/// <remarks>
/// On SQLite the lookups go through <paramref name="sqlite"/>'s prepared statements, one indexed probe per key: the
/// transaction is the only writer, so there is no round trip to amortise, and a JSON list parameter would cost more to
/// build, convert and expand than the probes themselves.
/// </remarks>
internal sealed class ContactResolver(DbConnection connection, DbTransaction tx, DateTime now, SqliteInteractionWriter? sqlite = null)
{
    private sealed class Entry
    {
        public long Id;
        public string? Email;
        public string? ExternalId;
        /// <summary>Not in the database yet (to be inserted).</summary>
        public bool IsNew;

        /// <summary>Created by this request (stays true once inserted).</summary>
        public bool CreatedHere;

        public bool AttachExternalId;
        public bool AttachEmail;
    }

    private readonly Dictionary<long, Entry> _byId = [];
    private readonly Dictionary<string, Entry> _byEmail = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Entry> _byExternalId = new(StringComparer.Ordinal);
    private readonly Dictionary<InteractionInput, Entry> _resolved = new(ReferenceEqualityComparer.Instance);

    /// <summary>Contacts matched to no stored one since the last insert: each is created by the next write.</summary>
    private readonly List<Entry> _created = [];

    /// <summary>Stored contacts that get the external id, or the email, of an event since the last write.</summary>
    private readonly List<Entry> _attachExternalId = [];
    private readonly List<Entry> _attachEmail = [];

    public int Created { get; private set; }

    public long IdOf(InteractionInput item) => _resolved[item].Id;

    /// <summary>
    /// Resolves <paramref name="items"/> (the next part of the request). With <paramref name="write"/> false (the
    /// request has failed already and will be rolled back), only matches, to report every bad line.
    /// </summary>
    public async Task<List<LineError>> ResolveAsync(IReadOnlyList<InteractionInput> items, CancellationToken ct, bool write = true)
    {
        await LoadAsync("id", items.Where(i => i.ContactId is { } id && !_byId.ContainsKey(id)).Select(i => (object)i.ContactId!.Value), ct);
        await LoadAsync("external_id", items.Where(i => i.ContactId is null && i.ExternalId is not null && !_byExternalId.ContainsKey(i.ExternalId))
            .Select(i => (object)i.ExternalId!), ct);
        await LoadAsync("email", items.Where(i => i.ContactId is null && i.Email is not null && !_byEmail.ContainsKey(i.Email))
            .Select(i => (object)i.Email!), ct);

        var errors = new List<LineError>();
        foreach (var item in items)
        {
            if (Match(item, out var message) is { } entry)
            {
                _resolved[item] = entry;
            }
            else
            {
                errors.Add(new LineError(item.Line, [message!]));
            }
        }
        if (errors.Count > 0 || !write)
        {
            return errors;
        }

        // A fixed order keeps concurrent writers (PostgreSQL) from taking the unique-key locks in opposite orders.
        var pending = _created.Where(e => e.IsNew)
            .OrderBy(e => e.Email, StringComparer.Ordinal).ThenBy(e => e.ExternalId, StringComparer.Ordinal).ToList();
        _created.Clear();
        await InsertAsync(pending, ct);
        await RecordCreatedAsync(pending.Where(e => e.Id != 0).Select(e => e.Id).ToList(), ct);
        var raced = pending.Where(e => e.Id == 0).ToList();
        if (raced.Count > 0 && await ResolveRacedAsync(raced, items, ct) is { Count: > 0 } racedErrors)
        {
            return racedErrors;
        }
        var attachExternalId = _attachExternalId.Where(e => e.AttachExternalId).ToList();
        var attachEmail = _attachEmail.Where(e => e.AttachEmail).ToList();
        _attachExternalId.Clear();
        _attachEmail.Clear();
        foreach (var entry in attachExternalId)
        {
            if (!await AttachAsync(entry, "external_id", entry.ExternalId!, ct))
            {
                return Conflicts(items, e => e == entry, $"The external id '{entry.ExternalId}' could not be attached: the contact changed meanwhile. Retry.");
            }
            entry.AttachExternalId = false;
        }
        foreach (var entry in attachEmail)
        {
            if (!await AttachAsync(entry, "email", entry.Email!, ct))
            {
                return Conflicts(items, e => e == entry, $"The email '{entry.Email}' could not be attached: the contact changed meanwhile. Retry.");
            }
            entry.AttachEmail = false;
        }
        return errors;
    }

    private Entry? Match(InteractionInput item, out FieldError? error)
    {
        error = null;
        if (item.ContactId is { } id)
        {
            if (_byId.TryGetValue(id, out var known))
            {
                return known;
            }
            error = new FieldError("contactId", $"No contact has id {id}.");
            return null;
        }

        var byExternalId = item.ExternalId is null ? null : _byExternalId.GetValueOrDefault(item.ExternalId);
        var byEmail = item.Email is null ? null : _byEmail.GetValueOrDefault(item.Email);
        if (byExternalId is not null)
        {
            if (byEmail is not null && byEmail != byExternalId)
            {
                error = new FieldError("email", $"The email '{item.Email}' belongs to another contact than the external id '{item.ExternalId}'.");
                return null;
            }
            if (byEmail is null && item.Email is not null && byExternalId is { CreatedHere: true, Email: null })
            {
                // A contact this request created from an external id alone takes the first email that comes with it
                // (written with the contact, or afterwards if an earlier part of the request inserted it already).
                byExternalId.Email = item.Email;
                byExternalId.AttachEmail = !byExternalId.IsNew;
                if (byExternalId.AttachEmail)
                {
                    _attachEmail.Add(byExternalId);
                }
                _byEmail[item.Email] = byExternalId;
            }
            return byExternalId;
        }
        if (byEmail is not null)
        {
            if (item.ExternalId is not null)
            {
                if (byEmail.ExternalId is not null)
                {
                    error = new FieldError("externalId", $"The email '{item.Email}' belongs to the contact with external id '{byEmail.ExternalId}'.");
                    return null;
                }
                byEmail.ExternalId = item.ExternalId;
                byEmail.AttachExternalId = !byEmail.IsNew;
                if (byEmail.AttachExternalId)
                {
                    _attachExternalId.Add(byEmail);
                }
                _byExternalId[item.ExternalId] = byEmail;
            }
            return byEmail;
        }

        var created = new Entry { Email = item.Email, ExternalId = item.ExternalId, IsNew = true, CreatedHere = true };
        Register(created);
        _created.Add(created);
        return created;
    }

    private void Register(Entry entry)
    {
        if (entry.Id != 0)
        {
            _byId[entry.Id] = entry;
        }
        if (entry.Email is not null)
        {
            _byEmail[entry.Email] = entry;
        }
        if (entry.ExternalId is not null)
        {
            _byExternalId[entry.ExternalId] = entry;
        }
    }

    private async Task LoadAsync(string column, IEnumerable<object> keys, CancellationToken ct)
    {
        if (sqlite is not null)
        {
            Load(sqlite, column, keys);
            return;
        }
        foreach (var chunk in keys.Distinct().Chunk(BulkSql.ChunkSize))
        {
            var json = BulkSql.Json(chunk, (w, key) =>
            {
                if (key is long id)
                {
                    w.WriteNumberValue(id);
                }
                else
                {
                    w.WriteStringValue((string)key);
                }
            });
            await using var command = BulkSql.Command(connection, tx, BulkSql.For(connection).SelectContacts(column), json);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                Register(new Entry
                {
                    Id = reader.GetInt64(0),
                    Email = reader.IsDBNull(1) ? null : reader.GetString(1),
                    ExternalId = reader.IsDBNull(2) ? null : reader.GetString(2),
                });
            }
        }
    }

    private void Load(SqliteInteractionWriter statements, string column, IEnumerable<object> keys)
    {
        foreach (var key in keys.Distinct())
        {
            var found = key is long id
                ? statements.TryFindContact(id, out var contact)
                : statements.TryFindContact(column, (string)key, out contact);
            if (found)
            {
                Register(new Entry { Id = contact.Id, Email = contact.Email, ExternalId = contact.ExternalId });
            }
        }
    }

    private async Task InsertAsync(List<Entry> entries, CancellationToken ct)
    {
        foreach (var chunk in entries.Chunk(BulkSql.ChunkSize))
        {
            var json = BulkSql.Json(chunk, (w, entry) =>
            {
                w.WriteStartObject();
                w.WriteString("email", entry.Email);
                w.WriteString("externalId", entry.ExternalId);
                w.WriteEndObject();
            });
            await using var command = BulkSql.Command(connection, tx, BulkSql.For(connection).InsertContacts, json, now);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var entry = reader.IsDBNull(2) ? _byEmail[reader.GetString(1)] : _byExternalId[reader.GetString(2)];
                entry.Id = reader.GetInt64(0);
                entry.IsNew = false;
                _byId[entry.Id] = entry;
                Created++;
            }
        }
    }

    /// <summary>
    /// Records a Contact Created lead event for each contact this part inserted, in the request's transaction, one
    /// statement per chunk, and only while a published workflow has a Contact Created trigger (otherwise the
    /// statement inserts nothing). Dispatched by the workflows' outbox after the processor's next batch.
    /// </summary>
    private async Task RecordCreatedAsync(List<long> created, CancellationToken ct)
    {
        if (created.Count == 0)
        {
            return;
        }
        var sql = connection is Microsoft.Data.Sqlite.SqliteConnection
            ? "INSERT INTO workflow_event_outbox (contact_id, event_name, value) SELECT value, @p1, @p2 FROM json_each(@p0) WHERE EXISTS (SELECT 1 FROM workflow_triggers WHERE event_name = @p1)"
            : "INSERT INTO workflow_event_outbox (contact_id, event_name, value) SELECT value::bigint, @p1, @p2 FROM json_array_elements_text(@p0::json) WHERE EXISTS (SELECT 1 FROM workflow_triggers WHERE event_name = @p1)";
        foreach (var chunk in created.Chunk(BulkSql.ChunkSize))
        {
            var json = BulkSql.Json(chunk, (w, id) => w.WriteNumberValue(id));
            await using var command = BulkSql.Command(connection, tx, sql, json, Workflows.Activities.ContactCreatedEvent.Name, Workflows.Activities.ContactCreatedEvent.Ingestion);
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>
    /// Another transaction created some of these contacts first (possible on PostgreSQL, where writers run side by
    /// side): take the stored rows, provided they are the same people.
    /// </summary>
    private async Task<List<LineError>> ResolveRacedAsync(List<Entry> raced, IReadOnlyList<InteractionInput> items, CancellationToken ct)
    {
        var stored = new ContactResolver(connection, tx, now, sqlite);
        await stored.LoadAsync("email", raced.Where(e => e.Email is not null).Select(e => (object)e.Email!), ct);
        await stored.LoadAsync("external_id", raced.Where(e => e.ExternalId is not null).Select(e => (object)e.ExternalId!), ct);
        var conflicting = new HashSet<Entry>();
        foreach (var entry in raced)
        {
            var byEmail = entry.Email is null ? null : stored._byEmail.GetValueOrDefault(entry.Email);
            var byExternalId = entry.ExternalId is null ? null : stored._byExternalId.GetValueOrDefault(entry.ExternalId);
            var match = byExternalId ?? byEmail;
            if (match is null || (byEmail is not null && byExternalId is not null && byEmail.Id != byExternalId.Id)
                || (entry.ExternalId is not null && match.ExternalId != entry.ExternalId))
            {
                conflicting.Add(entry);
                continue;
            }
            entry.Id = match.Id;
            entry.IsNew = false;
            _byId[entry.Id] = entry;
        }
        return conflicting.Count == 0
            ? []
            : Conflicts(items, conflicting.Contains, "Another request created this contact at the same time with other identifiers. Retry.");
    }

    /// <summary>Sets a contact's email or external id where it has none.</summary>
    private async Task<bool> AttachAsync(Entry entry, string column, string value, CancellationToken ct)
    {
        await using var command = BulkSql.Command(connection, tx,
            $"UPDATE contacts SET {column} = @p0, updated_at = @p1 WHERE id = @p2 AND {column} IS NULL", value, now, entry.Id);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    private List<LineError> Conflicts(IReadOnlyList<InteractionInput> items, Func<Entry, bool> affected, string message) =>
        items.Where(i => affected(_resolved[i]))
            .Select(i => new LineError(i.Line, [new FieldError(i.ExternalId is null ? "email" : "externalId", message)]))
            .ToList();
}
