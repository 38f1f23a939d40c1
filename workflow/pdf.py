"""PDF documents made with WeasyPrint from templates/pdf/ (资产移交批复, 处置公示, and every later chain's).

The templates set ``font-family: "Noto Sans CJK SC"`` (Debian's fonts-noto-cjk) so that the
Chinese text is real glyphs, not boxes; with libharfbuzz-subset0 a page takes ~0.1 s.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

# PDFs laid out by WeasyPrint in this process (the costly part; the cached path skips it)
renders = 0
# A cached PDF is dropped after this long unread; a changed document has another key at once.
CACHE_SECONDS = 30 * 24 * 3600


def render_html(template_name: str, context: dict[str, Any]) -> str:
    with translation.override(settings.LANGUAGE_CODE):  # official documents are in Chinese
        return render_to_string(template_name, context)


def html_to_pdf(html: str) -> bytes:
    global renders
    from weasyprint import HTML

    renders += 1
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    return html_to_pdf(render_html(template_name, context))


def render_pdf_cached(template_name: str, context: dict[str, Any], *, key: str) -> bytes:
    """The PDF of one version of a document, laid out once and then served from the cache.

    The version is the document's own HTML (a template render takes milliseconds, the layout
    a tenth of a second and more): whatever the page shows changes, the hash changes, and the
    next request lays out the new version; the old one expires unread.
    """
    html = render_html(template_name, context)
    cache_key = f"pdf:{key}:{hashlib.sha256(html.encode()).hexdigest()}"
    pdf = cache.get(cache_key)
    if pdf is None:
        pdf = html_to_pdf(html)
        cache.set(cache_key, pdf, CACHE_SECONDS)
    return pdf


def pdf_response(template_name: str, context: dict[str, Any], filename: str, *, inline: bool = True,
                 cache_key: str = "") -> HttpResponse:
    """The document as a PDF response; with ``cache_key``, rendered once per version (public notices)."""
    pdf = render_pdf_cached(template_name, context, key=cache_key) if cache_key else render_pdf(template_name,
                                                                                                 context)
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    # RFC 6266: an ASCII fallback name and the real (Chinese) name
    from urllib.parse import quote

    response["Content-Disposition"] = f"{disposition}; filename=\"document.pdf\"; filename*=UTF-8''{quote(filename)}"
    return response
