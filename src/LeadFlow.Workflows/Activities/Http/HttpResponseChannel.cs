namespace LeadFlow.Workflows.Activities.Http;

/// <summary>
/// Carries <see cref="WriteHttpResponse"/>'s answer back to the HTTP request that started or resumed the workflow. The
/// host opens a slot (<see cref="Open"/>) around its dispatch of an HTTP Endpoint request; the slot flows with the async
/// call (like ASP.NET Core's HTTP context accessor), so only activities run by that dispatch see it. The host writes the
/// response after the engine has committed, so a client never sees an answer whose workflow state was not saved.
/// </summary>
public sealed class HttpResponseChannel
{
    private readonly AsyncLocal<Slot?> _current = new();

    /// <summary>Opens the slot for the current async flow; dispose it when the request is answered.</summary>
    public Slot Open()
    {
        var slot = new Slot(this, _current.Value);
        _current.Value = slot;
        return slot;
    }

    /// <summary>Whether an HTTP request is waiting in this flow (false when the workflow runs from a signal, timer or lead event).</summary>
    public bool IsOpen => _current.Value is { Response: null };

    /// <summary>Hands <paramref name="response"/> to the waiting request; false if none is waiting or it already has its answer.</summary>
    public bool TryWrite(HttpWorkflowResponse response)
    {
        if (_current.Value is not { Response: null } slot)
        {
            return false;
        }
        slot.Response = response;
        return true;
    }

    /// <summary>One request's slot.</summary>
    public sealed class Slot : IDisposable
    {
        private readonly HttpResponseChannel _channel;
        private readonly Slot? _outer;

        internal Slot(HttpResponseChannel channel, Slot? outer)
        {
            _channel = channel;
            _outer = outer;
        }

        /// <summary>The response a workflow wrote, or null.</summary>
        public HttpWorkflowResponse? Response { get; internal set; }

        public void Dispose() => _channel._current.Value = _outer;
    }
}

/// <summary>An answer written by <see cref="WriteHttpResponse"/>.</summary>
public sealed record HttpWorkflowResponse(int StatusCode, string? Content, string? ContentType, IReadOnlyDictionary<string, string> Headers);
