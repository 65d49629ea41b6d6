using LeadFlow.Core.Email;

namespace LeadFlow.Core.Tests.Email;

public sealed class EmailTemplateTests
{
    private const string Valid = """
        ---
        subject: "Hi {{ contact.firstName | default: 'there' }} & co"
        purpose: Newsletter
        ---
        <p>Hello {{ contact.firstName }}, from {{ data.city }}</p>
        """;

    [Fact]
    public async Task Renders_the_subject_as_text_and_the_body_as_html_encoded_from_the_model()
    {
        var template = EmailTemplate.Parse("t", "t.liquid", Valid);
        var (subject, html) = await template.RenderAsync(new Dictionary<string, object?>
        {
            ["contact"] = new Dictionary<string, object?> { ["firstName"] = "Ada <admin>" },
            ["data"] = new Dictionary<string, object?> { ["city"] = "Zürich" },
        });

        Assert.Equal("Hi Ada <admin> & co", subject);
        Assert.Equal("<p>Hello Ada &lt;admin&gt;, from Z&#xFC;rich</p>", html.Trim());
        Assert.Equal("newsletter", template.Purpose);
    }

    [Theory]
    [InlineData("<p>no front matter</p>", 1, "front matter")]
    [InlineData("---\nsubject: x\n<p>body</p>", 1, "no closing")]
    [InlineData("---\npurpose: marketing\n---\n<p>body</p>", 1, "no 'subject'")]
    [InlineData("---\nsubject: x\nfrom: me\n---\n<p>body</p>", 3, "Unknown front matter key 'from'")]
    [InlineData("---\nsubject: x\nnot a pair\n---\n<p>body</p>", 3, "Expected 'key: value'")]
    [InlineData("---\nsubject: x\n---\n", 4, "no body")]
    [InlineData("---\nsubject: x\n---\n<p>one</p>\n<p>{% if %}</p>", 5, "Liquid syntax error")]
    [InlineData("---\nsubject: \"{{ contact.firstName \"\n---\n<p>body</p>", 2, "Liquid syntax error")]
    public void A_broken_template_is_rejected_with_the_file_and_the_line(string text, int line, string message)
    {
        var error = Assert.Throws<EmailTemplateException>(() => EmailTemplate.Parse("broken", "templates/email/broken.liquid", text));

        Assert.Equal(line, error.Line);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.StartsWith($"templates/email/broken.liquid({line}): ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_plain_text_part_keeps_links_and_drops_markup()
    {
        var text = EmailSender.PlainText("<html><head><style>p{color:red}</style></head><body><p>Hi &amp; welcome</p><p><a href=\"https://x.test/a\">Read</a></p></body></html>");

        Assert.Equal("Hi & welcome\nRead (https://x.test/a)\n", text.Replace("\n\n", "\n", StringComparison.Ordinal));
    }

    [Fact]
    public void The_shipped_templates_are_all_valid()
    {
        var directory = Path.Combine(Workflows.WorkflowFilesTestsPaths.Repository(), "templates", "email");
        var templates = new EmailTemplates(Microsoft.Extensions.Options.Options.Create(new EmailOptions { TemplatesDirectory = directory }));

        Assert.Contains("welcome", templates.Names());
        Assert.Contains("nurture/education-1", templates.Names());
        Assert.Empty(templates.Validate());
    }
}
