using System.Buffers;
using System.Text.Json;
using System.Threading.Channels;

namespace LeadFlow.Core.Interactions;

public enum BatchFormat
{
    /// <summary>One JSON array of interaction objects.</summary>
    JsonArray,

    /// <summary>Newline-delimited JSON: one interaction object per line; blank lines are skipped.</summary>
    NdJson,
}

/// <summary>What a batch body held: the good interactions, and every bad line with its fields.</summary>
public sealed record BatchReadResult(
    IReadOnlyList<InteractionInput> Items,
    IReadOnlyList<LineError> Errors,
    int BadLines,
    bool TooManyItems)
{
    public bool Succeeded => BadLines == 0 && !TooManyItems;
}

/// <summary>
/// Reads a batch body incrementally, one line or array element at a time, from a small rolling buffer: the body is
/// never held whole, only the parsed interactions are. Every bad line is reported (up to
/// <see cref="MaxReportedErrors"/>); a syntax error that makes the rest of a JSON array unreadable ends the read.
/// Optionally hands the good interactions on in parts of <see cref="PartSize"/> as it goes, for a consumer that
/// works on them while the rest of the body is read; the parts stop at the first bad line.
/// </summary>
public sealed class InteractionBatchReader(int maxItems, DateTime now)
{
    public const int MaxReportedErrors = 1000;

    /// <summary>The largest single line or element accepted.</summary>
    public const int MaxItemBytes = 64 * 1024;

    /// <summary>Interactions per part handed on while reading.</summary>
    public const int PartSize = 1000;

    private const int InitialBuffer = 64 * 1024;

    private readonly List<InteractionInput> _items = [];
    private readonly List<LineError> _errors = [];
    private int _badLines;
    private bool _tooMany;
    private bool _stopped;
    private ChannelWriter<InteractionInput[]>? _parts;
    private int _handedOn;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialBuffer);
    private int _start;
    private int _end;
    private bool _eof;

    public Task<BatchReadResult> ReadAsync(Stream body, BatchFormat format, CancellationToken ct) => ReadAsync(body, format, null, ct);

    /// <summary>
    /// Reads the body; <paramref name="parts"/>, if given, receives the good interactions in arrival order, in parts,
    /// while the body is read, and is completed after the last part, at the first bad line, or when the read fails.
    /// The result still holds every interaction.
    /// </summary>
    public async Task<BatchReadResult> ReadAsync(Stream body, BatchFormat format, ChannelWriter<InteractionInput[]>? parts, CancellationToken ct)
    {
        _parts = parts;
        try
        {
            if (format == BatchFormat.NdJson)
            {
                await ReadLinesAsync(body, ct);
            }
            else
            {
                await ReadArrayAsync(body, ct);
            }
            HandOn(all: true);
            return new BatchReadResult(_items, _errors, _badLines, _tooMany);
        }
        finally
        {
            _parts?.TryComplete();
            ArrayPool<byte>.Shared.Return(_buffer);
        }
    }

    private void HandOn(bool all)
    {
        if (_parts is null || (!all && _items.Count - _handedOn < PartSize))
        {
            return;
        }
        if (_badLines > 0 || _tooMany)
        {
            _parts.TryComplete();
            _parts = null;
            return;
        }
        if (_items.Count > _handedOn)
        {
            var part = new InteractionInput[_items.Count - _handedOn];
            _items.CopyTo(_handedOn, part, 0, part.Length);
            _handedOn = _items.Count;
            _parts.TryWrite(part);
        }
    }

    private async Task ReadLinesAsync(Stream body, CancellationToken ct)
    {
        var line = 0;
        while (!_stopped)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline < 0)
            {
                if (_eof)
                {
                    if (_end > _start)
                    {
                        Accept(++line, _start, _end);
                    }
                    return;
                }
                if (_end - _start > MaxItemBytes)
                {
                    Fail(line + 1, $"Line longer than {MaxItemBytes} bytes.");
                    return;
                }
                await FillAsync(body, ct);
                continue;
            }
            if (newline - _start > MaxItemBytes)
            {
                Fail(line + 1, $"Line longer than {MaxItemBytes} bytes.");
                return;
            }
            Accept(++line, _start, newline);
            _start = newline + 1;
        }
    }

    private void Accept(int line, int from, int to)
    {
        var length = to - from;
        while (length > 0 && IsJsonWhitespace(_buffer[from + length - 1]))
        {
            length--;
        }
        while (length > 0 && IsJsonWhitespace(_buffer[from]))
        {
            from++;
            length--;
        }
        if (length > 0)
        {
            Add(line, new ReadOnlyMemory<byte>(_buffer, from, length));
        }
    }

    private async Task ReadArrayAsync(Stream body, CancellationToken ct)
    {
        var scan = new ArrayScan();
        while (!_stopped)
        {
            ScanArray(ref scan);
            if (_stopped || scan.Phase == ArrayPhase.Done && _eof)
            {
                return;
            }
            if (_eof)
            {
                Fail(scan.Element + 1, "The body ended before the JSON array was closed.");
                return;
            }
            if (_end - _start > MaxItemBytes)
            {
                Fail(scan.Element + 1, $"Element larger than {MaxItemBytes} bytes.");
                return;
            }
            await FillAsync(body, ct);
        }
    }

    private enum ArrayPhase
    {
        BeforeArray,
        InArray,
        Done,
    }

    private struct ArrayScan
    {
        public JsonReaderState State;
        public ArrayPhase Phase;
        public int Element;
    }

    /// <summary>Consumes every complete element in the buffer; stops at an incomplete one so that it is re-read whole.</summary>
    private void ScanArray(ref ArrayScan scan)
    {
        if (_eof && _start == _end && scan.Phase == ArrayPhase.BeforeArray)
        {
            Fail(1, "The body is empty; expected a JSON array of interactions.");
            return;
        }
        var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _eof, scan.State);
        try
        {
            while (!_stopped)
            {
                var consumedBefore = (int)reader.BytesConsumed;
                var stateBefore = reader.CurrentState;
                if (!reader.Read())
                {
                    break;
                }
                switch (scan.Phase)
                {
                    case ArrayPhase.BeforeArray when reader.TokenType == JsonTokenType.StartArray:
                        scan.Phase = ArrayPhase.InArray;
                        break;
                    case ArrayPhase.BeforeArray:
                        Fail(1, "Expected a JSON array of interactions (or send application/x-ndjson).");
                        return;
                    case ArrayPhase.InArray when reader.TokenType == JsonTokenType.EndArray:
                        scan.Phase = ArrayPhase.Done;
                        break;
                    case ArrayPhase.InArray:
                        var elementStart = (int)reader.TokenStartIndex;
                        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !reader.TrySkip())
                        {
                            _start += consumedBefore;
                            scan.State = stateBefore;
                            return;
                        }
                        scan.Element++;
                        if ((int)reader.BytesConsumed - elementStart > MaxItemBytes)
                        {
                            Fail(scan.Element, $"Element larger than {MaxItemBytes} bytes.");
                            return;
                        }
                        Add(scan.Element, new ReadOnlyMemory<byte>(_buffer, _start + elementStart, (int)reader.BytesConsumed - elementStart));
                        break;
                    case ArrayPhase.Done:
                        Fail(scan.Element + 1, "Unexpected content after the end of the JSON array.");
                        return;
                }
            }
        }
        catch (JsonException ex)
        {
            Fail(scan.Element + 1, $"Invalid JSON: {ex.Message}");
            return;
        }
        _start += (int)reader.BytesConsumed;
        scan.State = reader.CurrentState;
    }

    private void Add(int line, ReadOnlyMemory<byte> json)
    {
        if (_items.Count + _badLines >= maxItems)
        {
            _tooMany = true;
            _stopped = true;
            return;
        }
        if (InteractionJson.TryParse(json, line, now, out var input, out var error))
        {
            _items.Add(input!);
            HandOn(all: false);
        }
        else
        {
            Report(error!);
        }
    }

    private void Fail(int line, string message)
    {
        Report(new LineError(line, [new FieldError("$", message)]));
        _stopped = true;
    }

    private void Report(LineError error)
    {
        _badLines++;
        HandOn(all: true);
        if (_errors.Count < MaxReportedErrors)
        {
            _errors.Add(error);
        }
    }

    private async Task FillAsync(Stream body, CancellationToken ct)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
            Buffer.BlockCopy(_buffer, 0, larger, 0, _end);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
        var read = await body.ReadAsync(_buffer.AsMemory(_end), ct);
        if (read == 0)
        {
            _eof = true;
        }
        _end += read;
    }

    private static bool IsJsonWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';
}
