using System.Collections.Concurrent;
using System.Text.Encodings.Web;
using System.Text.RegularExpressions;
using Fluid;
using Fluid.Values;
using Microsoft.Extensions.Options;

namespace LeadFlow.Core.Email;

/// <summary>
/// One email template: <c>templates/email/&lt;name&gt;.liquid</c>, a front matter with the subject (Liquid too) and
/// optionally the consent purpose it needs, then the HTML body:
/// <code>
/// ---
/// subject: "{{ contact.firstName | default: 'Hello' }}, the analytics guide you asked for"
/// purpose: marketing
/// ---
/// &lt;p&gt;Hi {{ contact.firstName }}, ...&lt;/p&gt;
/// </code>
/// A plain-text part is made from the HTML. Values are HTML-encoded in the body, not in the subject.
/// </summary>
public sealed partial class EmailTemplate
{
    private static readonly FluidParser Parser = new();
    private readonly IFluidTemplate _subject;
    private readonly IFluidTemplate _body;

    private EmailTemplate(string name, string path, string? purpose, IFluidTemplate subject, IFluidTemplate body)
    {
        Name = name;
        Path = path;
        Purpose = purpose;
        _subject = subject;
        _body = body;
    }

    public string Name { get; }
    public string Path { get; }

    /// <summary>The consent purpose the template asks for (the Send Email activity's own Purpose wins), or null.</summary>
    public string? Purpose { get; }

    /// <summary>Parses a template file's text; errors name the file and the line in it.</summary>
    public static EmailTemplate Parse(string name, string path, string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        if (lines.Length == 0 || lines[0].Trim() != "---")
        {
            throw new EmailTemplateException(path, 1, "A template starts with a front matter: a line '---', 'subject: ...', and a closing '---'.");
        }
        var end = Array.FindIndex(lines, 1, l => l.Trim() == "---");
        if (end < 0)
        {
            throw new EmailTemplateException(path, 1, "The front matter has no closing '---' line.");
        }
        string? subject = null, purpose = null;
        for (var i = 1; i < end; i++)
        {
            var line = lines[i];
            if (string.IsNullOrWhiteSpace(line) || line.TrimStart().StartsWith('#'))
            {
                continue;
            }
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new EmailTemplateException(path, i + 1, $"Expected 'key: value', got '{line.Trim()}'.");
            }
            var key = line[..colon].Trim();
            var value = Unquote(line[(colon + 1)..].Trim());
            switch (key)
            {
                case "subject":
                    subject = value;
                    break;
                case "purpose":
                    purpose = value.Trim().ToLowerInvariant();
                    break;
                default:
                    throw new EmailTemplateException(path, i + 1, $"Unknown front matter key '{key}'; known: subject, purpose.");
            }
        }
        if (string.IsNullOrWhiteSpace(subject))
        {
            throw new EmailTemplateException(path, 1, "The front matter has no 'subject'.");
        }
        var subjectLine = Array.FindIndex(lines, 1, l => l.TrimStart().StartsWith("subject", StringComparison.Ordinal)) + 1;
        var subjectTemplate = Compile(path, subject, subjectLine - 1);
        var body = string.Join('\n', lines.Skip(end + 1));
        if (string.IsNullOrWhiteSpace(body))
        {
            throw new EmailTemplateException(path, end + 2, "The template has no body after the front matter.");
        }
        return new EmailTemplate(name, path, string.IsNullOrEmpty(purpose) ? null : purpose, subjectTemplate, Compile(path, body, end + 1));
    }

    /// <summary>Renders subject and HTML body with the given model (top-level names such as <c>contact</c>, <c>message</c>, <c>data</c>).</summary>
    public async ValueTask<(string Subject, string Html)> RenderAsync(IReadOnlyDictionary<string, object?> model)
    {
        var options = new TemplateOptions { MaxSteps = 200_000, MaxRecursion = 32 };
        var context = new TemplateContext(options);
        foreach (var (name, value) in model)
        {
            context.SetValue(name, FluidValue.Create(LeadFlow.Workflows.Runtime.WorkflowValues.Normalize(value), options));
        }
        try
        {
            var subject = (await _subject.RenderAsync(context, NullEncoder.Default)).ReplaceLineEndings(" ").Trim();
            var html = await _body.RenderAsync(context, HtmlEncoder.Default);
            return (subject, html);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new EmailTemplateException(Path, 0, $"Rendering failed: {ex.Message}");
        }
    }

    private static IFluidTemplate Compile(string path, string source, int lineOffset)
    {
        if (Parser.TryParse(source, out var template, out var error))
        {
            return template;
        }
        // Fluid reports "(line:column)" within the part it parsed; shift it to the file's line.
        var match = Position().Match(error);
        var line = match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) + lineOffset : lineOffset + 1;
        throw new EmailTemplateException(path, line, $"Liquid syntax error: {error}");
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && (value[0] == '"' && value[^1] == '"' || value[0] == '\'' && value[^1] == '\'') ? value[1..^1] : value;

    [GeneratedRegex(@"\((\d+):(\d+)\)")]
    private static partial Regex Position();
}

/// <summary>A template that cannot be used, with the file and line (0 when the problem is not on one line).</summary>
public sealed class EmailTemplateException(string path, int line, string message)
    : Exception(line > 0 ? $"{path}({line}): {message}" : $"{path}: {message}")
{
    public string TemplatePath { get; } = path;
    public int Line { get; } = line;
}

/// <summary>
/// The templates under <see cref="EmailOptions.TemplatesDirectory"/>, read when first used and again when their file
/// changes, so edits in git apply without a restart. Names are the path below the directory without <c>.liquid</c>,
/// with forward slashes (<c>nurture/stage-1-welcome</c>).
/// </summary>
public sealed class EmailTemplates(IOptions<EmailOptions> options)
{
    private readonly ConcurrentDictionary<string, (DateTime Written, long Length, EmailTemplate Template)> _cache = new(StringComparer.Ordinal);

    public string Directory => options.Value.ResolvedTemplatesDirectory;

    public IReadOnlyList<string> Names() =>
        System.IO.Directory.Exists(Directory)
            ? System.IO.Directory.EnumerateFiles(Directory, "*.liquid", SearchOption.AllDirectories).Select(NameOf).Order(StringComparer.Ordinal).ToList()
            : [];

    /// <summary>The template of that name; <see cref="EmailTemplateException"/> when it is missing or broken.</summary>
    public EmailTemplate Get(string name)
    {
        var trimmed = name.Trim().Replace('\\', '/');
        if (trimmed.Length == 0 || trimmed.Contains("..", StringComparison.Ordinal) || System.IO.Path.IsPathRooted(trimmed))
        {
            throw new EmailTemplateException(name, 0, "Not a template name.");
        }
        var path = System.IO.Path.Combine(Directory, trimmed + ".liquid");
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            throw new EmailTemplateException(path, 0, $"No template '{trimmed}' in {Directory}.");
        }
        if (_cache.TryGetValue(trimmed, out var cached) && cached.Written == file.LastWriteTimeUtc && cached.Length == file.Length)
        {
            return cached.Template;
        }
        var template = EmailTemplate.Parse(trimmed, path, File.ReadAllText(path));
        _cache[trimmed] = (file.LastWriteTimeUtc, file.Length, template);
        return template;
    }

    /// <summary>Every template's problems, for validation at start and in tests.</summary>
    public IReadOnlyList<EmailTemplateException> Validate()
    {
        var errors = new List<EmailTemplateException>();
        foreach (var name in Names())
        {
            try
            {
                Get(name);
            }
            catch (EmailTemplateException ex)
            {
                errors.Add(ex);
            }
        }
        return errors;
    }

    private string NameOf(string path) =>
        System.IO.Path.GetRelativePath(Directory, path)[..^".liquid".Length].Replace('\\', '/');
}
