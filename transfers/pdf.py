"""PDF documents made with WeasyPrint from templates/pdf/ (资产移交批复, 处置公示).

The templates set ``font-family: "Noto Sans CJK SC"`` (Debian's fonts-noto-cjk) so that the
Chinese text is real glyphs, not boxes; with libharfbuzz-subset0 a page takes ~0.1 s.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    with translation.override(settings.LANGUAGE_CODE):  # official documents are in Chinese
        html = render_to_string(template_name, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def pdf_response(template_name: str, context: dict[str, Any], filename: str, *, inline: bool = True) -> HttpResponse:
    response = HttpResponse(render_pdf(template_name, context), content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    # RFC 6266: an ASCII fallback name and the real (Chinese) name
    from urllib.parse import quote

    response["Content-Disposition"] = f"{disposition}; filename=\"document.pdf\"; filename*=UTF-8''{quote(filename)}"
    return response
