"""The report as JSON (the figures, for other tools), CSV (every table, one after another)
and HTML (the tables and the chart inlined as a PNG data URI)."""

from __future__ import annotations

import base64
import csv
import io
import json
from typing import Any

from jinja2 import Environment, select_autoescape

from mailbot.reports.chart import month_chart_png
from mailbot.reports.tables import heading_lines, report_tables


def to_json(r: dict[str, Any]) -> str:
    return json.dumps(r, ensure_ascii=False, indent=2) + "\n"


def to_csv(r: dict[str, Any]) -> str:
    """UTF-8 with a byte-order mark (Excel reads Vietnamese right); a table per block,
    its title on a line of its own, a blank line between blocks."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    for line in heading_lines(r):
        writer.writerow([line])
    for table in report_tables(r):
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerow(table.headings)
        writer.writerows(table.rows)
    return "\ufeff" + buf.getvalue()


_HTML = """<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>{{ lines[1] }}</title>
<style>
body { font-family: "Liberation Serif", "Times New Roman", serif; margin: 24px; color: #111; }
h1 { font-size: 18px; } h2 { font-size: 15px; margin-top: 22px; }
table { border-collapse: collapse; margin: 6px 0; } th, td { border: 1px solid #999; padding: 3px 8px; }
th { background: #eee; } td.n { text-align: right; } p.target { font-weight: bold; }
</style></head><body>
<p>{{ lines[0] }}</p>
<h1>{{ lines[1] }}</h1>
<p>{{ lines[2] }}</p>
<p class="target">Tỷ lệ văn bản điện tử hoàn toàn từ các cơ quan: {{ r.target_sentence }}.</p>
{% if chart %}<p><img alt="Biểu đồ văn bản đến theo tháng" src="{{ chart }}"></p>{% endif %}
{% for t in tables %}
<h2>{{ t.title }}</h2>
<table><tr>{% for h in t.headings %}<th>{{ h }}</th>{% endfor %}</tr>
{% for row in t.rows %}<tr>{% for c in row %}<td{% if c is number %} class="n"{% endif %}>{{ c }}</td>{% endfor %}</tr>
{% else %}<tr><td colspan="{{ t.headings|length }}">Không có</td></tr>{% endfor %}
</table>
{% endfor %}
<p><small>Lập lúc {{ r.generated_at }} bởi mailbot.</small></p>
</body></html>
"""


def chart_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def to_html(r: dict[str, Any], chart_src: str | None = None) -> str:
    """The report as one page. `chart_src`: where the chart image is (a mail's `cid:`); by
    default the PNG is made here and inlined as a data URI, so the file stands alone."""
    env = Environment(autoescape=select_autoescape(default=True))
    src = chart_src or chart_data_uri(month_chart_png(r))
    return env.from_string(_HTML).render(r=r, lines=heading_lines(r), tables=report_tables(r), chart=src)
