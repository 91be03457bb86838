from html.parser import HTMLParser

import pytest
from django.template import Context, Template

from core.markdown import render, sanitise


class _Elements(HTMLParser):
    """The real elements and attributes of some HTML (escaped text does not count)."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {name: value or "" for name, value in attrs}))


def active_content(html: str) -> list[str]:
    found = []
    for tag, attrs in _Elements(html).elements:
        if tag in ("script", "iframe", "object", "embed", "style", "svg", "math"):
            found.append(tag)
        if tag == "img" and not attrs.get("src", "").startswith("/media/"):
            found.append("foreign img")
        found += [name for name in attrs if name.startswith("on") or name == "style"]
        href = attrs.get("href", "").strip().lower()
        if href and not href.startswith(("https:", "http:", "mailto:", "/", "#")):
            found.append(href)
    return found


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "Hi <script>alert(1)</script> there",
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](  javascript:alert(1))",
        '<img src="x" onerror="alert(1)">',
        '<p style="position:fixed">covering the page</p>',
        '<iframe src="https://evil.example"></iframe>',
        "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    ],
)
def test_markdown_never_produces_active_content(text):
    assert active_content(render(text)) == []


@pytest.mark.parametrize(
    ("raw", "removed"),
    [
        ("<script>alert(1)</script>ok", "<script"),
        ('<a href="javascript:alert(1)">x</a>', "javascript:"),
        ('<img src="/media/a.webp" onerror="alert(1)">', "onerror"),
        ('<p style="color:red">x</p>', "style"),
        ('<iframe src="https://evil.example"></iframe>', "iframe"),
        ('<a href="https://x.example" onclick="steal()">x</a>', "onclick"),
        ("<svg><script>alert(1)</script></svg>", "script"),
    ],
)
def test_the_sanitiser_strips_what_markdown_might_let_through(raw, removed):
    html = sanitise(raw)
    assert active_content(html) == []
    assert removed not in html.lower()


def test_ordinary_markdown_survives():
    html = render(
        "Our **customers** *waited* ~~days~~ for `refunds`.\n\n"
        "- asked them\n- fixed it\n\n"
        "1. plan\n2. do\n\n"
        "> It just works now.\n\n"
        "```\nretry(3)\n```\n\n"
        "| metric | before | after |\n|---|--:|--:|\n| wait (days) | 9 | 2 |\n"
    )
    for fragment in (
        "<strong>customers</strong>",
        "<em>waited</em>",
        "<s>days</s>",
        "<code>refunds</code>",
        "<li>asked them</li>",
        "<ol>",
        "<blockquote>",
        "<pre><code>retry(3)",
        "<th>metric</th>",
        '<td class="align-right">9</td>',
    ):
        assert fragment in html


def test_links_are_kept_with_a_safe_rel():
    html = render("See [the report](https://example.com/report).")
    assert (
        '<a href="https://example.com/report" rel="noopener noreferrer nofollow">the report</a>'
        in html
    )


def test_headings_sit_below_the_page_headings():
    assert render("# Title\n\n## Part").strip() == "<h3>Title</h3>\n<h4>Part</h4>"


def test_images_from_other_hosts_become_their_alt_text():
    html = render("![our new queue](https://tracker.example/pixel.png)")
    assert "<img" not in html
    assert "our new queue" in html


def test_images_from_our_media_are_kept(settings):
    settings.MEDIA_URL = "/media/"
    html = render("![the new form](/media/stories/form.webp)")
    assert '<img src="/media/stories/form.webp" alt="the new form" loading="lazy">' in html


@pytest.mark.parametrize(
    "src", ["/media/../admin/", "/media/%2e%2e/admin/", "//evil.example/media/x"]
)
def test_a_media_lookalike_is_not_an_image(settings, src):
    settings.MEDIA_URL = "/media/"
    assert "<img" not in render(f"![x]({src})")


def test_the_template_filter_renders_sanitised_markdown():
    template = Template("{% load plaudit_markdown %}{{ body|markdown }}")
    html = template.render(Context({"body": "**hi** <script>x</script>"}))
    assert "<strong>hi</strong>" in html
    assert "<script>" not in html


def test_the_template_filter_accepts_nothing():
    template = Template("{% load plaudit_markdown %}{{ body|markdown }}")
    assert template.render(Context({"body": None})) == ""
