"""The report's chart as a PNG (matplotlib, Agg: no display needed): documents per month,
fully electronic vs paper required, stacked, with the period's share against the target."""

from __future__ import annotations

import io
from typing import Any

from mailbot.reports.tables import month_vi, percent_vi


def month_chart_png(r: dict[str, Any]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    months = r["by_month"]
    labels = [month_vi(g["name"]) for g in months]
    electronic = [g["fully_electronic"] for g in months]
    paper = [g["paper_required"] for g in months]
    fig = Figure(figsize=(7.5, 3.6), dpi=110)   # DejaVu Sans (bundled) has every Vietnamese letter
    ax = fig.add_subplot()
    ax.bar(labels, electronic, color="#2e7d32", label="Điện tử hoàn toàn")
    ax.bar(labels, paper, bottom=electronic, color="#f9a825", label="Phải gửi bản giấy")
    ax.set_ylabel("Số văn bản")
    ax.set_title(f"Văn bản đến theo tháng — {r['period']['label']}")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="upper left", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.text(0.99, 0.01, f"Tỷ lệ điện tử hoàn toàn (văn bản từ các cơ quan): {percent_vi(r['electronic_share'])}"
             f"; mục tiêu {percent_vi(r['target_electronic_share'])}", ha="right", va="bottom", fontsize=8)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    out = io.BytesIO()
    fig.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()
