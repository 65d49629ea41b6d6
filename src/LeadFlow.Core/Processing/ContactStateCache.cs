using Microsoft.Extensions.Options;

namespace LeadFlow.Core.Processing;

/// <summary>
/// The processor's hot per-contact state, kept between batches: each recently processed contact's facts (contact,
/// primary account, sales facts) and what its last batch committed (parsed score states with their ledger position and
/// stored score, grade, qualification status and since, parsed recent activity). A batch reads from the database only
/// the contacts the cache does not hold, and parses no JSON for the ones it does.
/// </summary>
/// <remarks>
/// <para>Valid only at one scoring revision: the one the processor's own last commit produced. Every other writer of
/// what the processor reads either bumps that revision (a rescore chunk, a workflow's Run Rules or Qualify Lead) or
/// queues a profile change for the contacts it affects (the contacts API, Set Contact Field, account upserts and account
/// links, sales facts), and a batch reloads the contacts with a profile change from the database. A batch that finds
/// another revision starts from an empty cache; a batch that fails or conflicts empties it (evaluation changes the
/// cached states in place). One exception is left out rather than tracked: ingestion may give an anonymous contact its
/// first email without a profile change, so contacts without an email are never kept.</para>
/// <para>Bounded by <see cref="ProcessingOptions.StateCacheContacts"/> with a two-generation eviction: committed
/// contacts go to the young generation; when it holds half the limit, the old generation is dropped and the young one
/// becomes old. A contact found in the old generation moves back to the young one when its batch commits.</para>
/// <para>One batch uses the cache at a time (a <see cref="Lease"/>); a second processor in the same process meanwhile
/// (tests, the CLI) simply reads from the database, and the revision check keeps the cache honest about its commits.</para>
/// </remarks>
public sealed class ContactStateCache(IOptions<ProcessingOptions> options)
{
    private readonly Lock _lock = new();
    private readonly int _capacity = options.Value.StateCacheContacts;
    private Dictionary<long, LeadWork> _young = [];
    private Dictionary<long, LeadWork> _old = [];
    private long? _revision;
    private bool _leased;

    /// <summary>Contacts held now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _young.Count + _old.Count;
            }
        }
    }

    /// <summary>Contacts a batch found in the cache, and those it had to read from the database, since the start.</summary>
    public (long Hits, long Misses) Lookups
    {
        get
        {
            lock (_lock)
            {
                return (_hits, _misses);
            }
        }
    }

    private long _hits;
    private long _misses;

    /// <summary>A batch holds the cache now.</summary>
    internal bool InUse
    {
        get
        {
            lock (_lock)
            {
                return _leased;
            }
        }
    }

    /// <summary>The scoring revision the held contacts are valid at (null: nothing is known yet).</summary>
    public long? Revision
    {
        get
        {
            lock (_lock)
            {
                return _revision;
            }
        }
    }

    /// <summary>Drops every contact (for tests and for an operator's reasons; batches do it themselves when needed).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            ClearLocked();
        }
    }

    /// <summary>
    /// Takes the cache for one batch or one pipeline of batches (<see cref="Lease.Begin"/> for each start on fresh data).
    /// Null when the cache is off or in use.
    /// </summary>
    internal Lease? Acquire()
    {
        if (_capacity <= 0)
        {
            return null;
        }
        lock (_lock)
        {
            if (_leased)
            {
                return null;
            }
            _leased = true;
            return new Lease(this);
        }
    }

    private void ClearLocked()
    {
        _young = [];
        _old = [];
        _revision = null;
    }

    /// <summary>
    /// One holder's use of the cache: <see cref="Begin"/> at the revision read, <see cref="Take"/> the contacts held,
    /// <see cref="Stage"/> each evaluated batch, <see cref="Committed"/> once it committed. Disposed while a staged batch
    /// has not committed (a failure, a conflict, a discarded pipeline step), it drops everything.
    /// </summary>
    internal sealed class Lease(ContactStateCache cache) : IDisposable
    {
        private int _staged;
        private bool _disposed;

        /// <summary>A batch starts on fresh data at <paramref name="revision"/>: what is held is usable only if the last commit produced it.</summary>
        public void Begin(long revision)
        {
            lock (cache._lock)
            {
                if (_staged > 0 || cache._revision != revision)
                {
                    cache.ClearLocked();
                }
                _staged = 0;
                cache._revision = revision;
            }
        }

        /// <summary>The contact's state as the last batch left it, removed from the cache (the batch changes it in place); null if not held.</summary>
        public LeadWork? Take(long contactId)
        {
            lock (cache._lock)
            {
                if (cache._young.Remove(contactId, out var lead) || cache._old.Remove(contactId, out lead))
                {
                    cache._hits++;
                    return lead;
                }
                cache._misses++;
                return null;
            }
        }

        /// <summary>
        /// An evaluated batch: keeps its contacts' new state (<see cref="ContactStateCache.Committed(LeadWork, int, DateTime)"/>) for the
        /// next batch, which may start before this one commits (pipelining). Until it commits, nothing held is valid at
        /// any revision.
        /// </summary>
        public void Stage(IEnumerable<LeadWork> leads, int versionId, DateTime now)
        {
            var half = Math.Max(1, cache._capacity / 2);
            lock (cache._lock)
            {
                _staged++;
                cache._revision = null;
                foreach (var lead in leads)
                {
                    if (ContactStateCache.Committed(lead, versionId, now) is not { } next)
                    {
                        continue;
                    }
                    if (cache._young.Count >= half)
                    {
                        cache._old = cache._young;
                        cache._young = new Dictionary<long, LeadWork>(half);
                    }
                    cache._old.Remove(lead.ContactId);
                    cache._young[lead.ContactId] = next;
                }
            }
        }

        /// <summary>The oldest staged batch committed and produced <paramref name="revision"/>.</summary>
        public void Committed(long revision)
        {
            lock (cache._lock)
            {
                _staged--;
                if (_staged == 0)
                {
                    cache._revision = revision;
                }
            }
        }

        /// <summary>Drops everything held (a staged batch will not commit).</summary>
        public void Clear()
        {
            lock (cache._lock)
            {
                cache.ClearLocked();
                _staged = 0;
            }
        }

        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            lock (cache._lock)
            {
                if (_staged > 0 || cache._revision is null)
                {
                    cache.ClearLocked();
                }
                cache._leased = false;
            }
        }
    }

    /// <summary>
    /// What the next batch would load from the database for an evaluated and committed contact, as a fresh
    /// <see cref="LeadWork"/> sharing the parsed score states and recent activity; null for a contact not to keep.
    /// </summary>
    internal static LeadWork? Committed(LeadWork lead, int versionId, DateTime now)
    {
        if (!lead.Exists || lead.Contact.Email is null || lead.Qualification is not { } qualification)
        {
            return null;
        }
        var next = new LeadWork(lead.ContactId)
        {
            Exists = true,
            Contact = lead.Contact,
            Account = lead.Account,
            Sales = lead.Sales,
            Grade = lead.NewGrade is { } grade ? new StoredGrade(grade.Grade, grade.FitPoints, versionId) : lead.Grade,
        };
        var status = LeadEvaluator.StatusName(qualification.Status);
        next.QualificationStatus = status;
        next.StatusSince = status == lead.QualificationStatus && lead.StatusSince is { } since ? since : now;
        next.LoadRecent(lead.Recent);
        foreach (var (model, state) in lead.Scores)
        {
            next.Scores[model] = state.Committed();
        }
        return next;
    }
}
