"""Markdown for everything people write (stories, nominations, comments).

markdown-it-py renders CommonMark plus tables and strikethrough with raw HTML turned off, and
nh3 then sanitises the result against an allow-list, so the output is safe even if a parser
rule lets something through. Decisions:
- Links: http, https, mailto and relative only; every link gets rel="noopener noreferrer
  nofollow". Bare URLs are not auto-linked (linkify needs another dependency).
- Images: only from our own MEDIA_URL (uploaded files). An image from another host becomes its
  alt text: remote images would tell another site who reads what, and CSP blocks them anyway.
- Headings shift down two levels (# → h3) to fit under the page's own h1 and h2.
- Table alignment becomes a class (no style attributes survive).
"""

import functools
from urllib.parse import unquote

import nh3
from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML

HEADING_OFFSET = 2
ALIGN_CLASSES = {"align-left", "align-center", "align-right"}
TAGS = {
    "p", "br", "hr", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title", "loading"}, "ol": {"start"}}
CLASSES = {"th": ALIGN_CLASSES, "td": ALIGN_CLASSES}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow"


def is_own_media(src: str) -> bool:
    """True for a URL under MEDIA_URL (and not a way out of it)."""
    media_url = settings.MEDIA_URL
    if not src.startswith(media_url) or "\\" in src:
        return False
    if media_url.startswith("/") and src.startswith("//"):
        return False
    # Browsers treat %2e%2e as "..": decode before looking for a way up.
    path = unquote(src.split("?", 1)[0].split("#", 1)[0])
    return ".." not in path.split("/")


def _image(self: RendererHTML, tokens, idx, options, env) -> str:
    token = tokens[idx]
    if is_own_media(str(token.attrGet("src") or "")):
        token.attrSet("loading", "lazy")
        return RendererHTML.image(self, tokens, idx, options, env)
    return escape(self.renderInlineAsText(token.children or [], options, env))


def _adjust_tokens(state) -> None:
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(int(token.tag[1]) + HEADING_OFFSET, 6)
            token.tag = f"h{level}"
        elif token.type in ("th_open", "td_open"):
            style = str(token.attrGet("style") or "")
            if style.startswith("text-align:"):
                token.attrs.pop("style", None)
                token.attrSet("class", "align-" + style.removeprefix("text-align:"))


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not is_own_media(value):
        return None
    return value


_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)
_md.add_render_rule("image", _image)
_md.core.ruler.push("plaudit_adjust", _adjust_tokens)


def render(text: str) -> SafeString:
    """Markdown → sanitised HTML, safe to put in a template as is."""
    return _render(text or "", settings.MEDIA_URL)


@functools.lru_cache(maxsize=2048)
def _render(text: str, media_url: str) -> SafeString:
    # Memoised per process on the text itself (and MEDIA_URL, which the sanitiser reads), so
    # an edit is never served stale: a story page renders its body and up to 50 comments.
    return mark_safe(sanitise(_md.render(text)))  # noqa: S308 — sanitised just now


def sanitise(html: str) -> str:
    """Reduce any HTML to the allow-list above. Also the second line of defence for render()."""
    return nh3.clean(
        html,
        tags=TAGS,
        clean_content_tags={"script", "style", "iframe", "object", "embed", "template"},
        attributes=ATTRIBUTES,
        attribute_filter=_filter_attribute,
        allowed_classes=CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )
