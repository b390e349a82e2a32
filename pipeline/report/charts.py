"""The index page's charts, as static SVG files drawn with matplotlib (Agg, no screen).

Labels are ASCII on purpose (matplotlib's default fonts have no CJK glyphs; doc_ids
fall back to a CJK font when one is installed), and the text is drawn as paths so the
SVG looks the same on any machine.
"""
from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display on servers and CI
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

KIND_COLOURS = {"amount": "#d97706", "percent": "#2563eb", "date": "#059669", "project": "#9333ea"}
OTHER_COLOUR = "#64748b"
# Words just before a percent that say what kind of change it is (checked nearest first).
CHANGE_WORDS = {
    "growth": ("增长", "增加", "提高", "上升", "提升", "增幅", "增速", "拉动", "贡献率"),
    "decline": ("下降", "减少", "回落", "降低", "下滑", "降幅"),
    "share": ("占", "比重", "占比", "份额"),
    "rate": ("率", "达", "完成"),
}
# Labels are ASCII except doc_ids, which may be Chinese (a file named 湘潭日报.txt): a CJK
# font, where the machine has one, is the fallback for glyphs DejaVu Sans lacks.
CJK_FONTS = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC")


def _font_families() -> list[str]:
    """DejaVu Sans, then the CJK fonts this machine has (naming a missing one logs a warning)."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return ["DejaVu Sans"] + [f for f in CJK_FONTS if f in installed]


plt.rcParams.update({"svg.fonttype": "path", "font.size": 9, "axes.spines.top": False, "axes.spines.right": False,
                     "font.family": _font_families()})


def write_charts(out_dir: Path, counts: pd.DataFrame, amounts_by_year: pd.DataFrame, percents: pd.DataFrame) -> dict[str, str]:
    """Draw the charts that have data; returns {name: file name relative to the report}."""
    charts = {
        "mentions_per_article": (mentions_per_article, counts),
        "amounts_by_year": (amounts_by_year_chart, amounts_by_year),
        "percents_by_change": (percents_by_change, percents),
    }
    written = {}
    for name, (draw, data) in charts.items():
        if data is None or data.empty:
            continue
        fig = draw(data)
        (out_dir / f"{name}.svg").write_text(_svg(fig), encoding="utf-8")
        written[name] = f"charts/{name}.svg"
    return written


MAX_ARTICLE_BARS = 40  # more bars are unreadable, and an archive has tens of thousands
MAX_DOTS = 5000        # a scatter of every mention of an archive draws a huge SVG


def mentions_per_article(counts: pd.DataFrame):
    """Stacked horizontal bars: one bar per article (the 40 with most mentions in a big run),
    one colour per kind."""
    total = len(counts)
    if total > MAX_ARTICLE_BARS:
        top = counts.sum(axis=1).nlargest(MAX_ARTICLE_BARS, keep="first").index
        counts = counts[counts.index.isin(top)]
    counts = counts.iloc[::-1]  # first article at the top
    fig, ax = plt.subplots(figsize=(5.2, 0.45 * len(counts) + 1.1))
    if total > MAX_ARTICLE_BARS:
        ax.set_title(f"the {MAX_ARTICLE_BARS} of {total} articles with the most mentions", fontsize=8, loc="left", pad=22)
    left = np.zeros(len(counts))
    for kind in counts.columns:
        ax.barh(counts.index, counts[kind], left=left, label=kind, color=KIND_COLOURS.get(kind, OTHER_COLOUR))
        left += counts[kind].to_numpy()
    ax.set_xlabel("mentions")
    ax.legend(ncol=len(counts.columns), loc="lower center", bbox_to_anchor=(0.4, 1.0), frameon=False,
              fontsize=8, handlelength=1.2, columnspacing=1.0)
    return fig


def amounts_by_year_chart(df: pd.DataFrame):
    """Each amount a dot at its year, on a log scale (sums range over many orders of magnitude)."""
    years = sorted(df["year"].unique())
    df, fig, ax, rng = _scatter_figure(df)
    for i, year in enumerate(years):
        vals = df.loc[df["year"] == year, "value"]
        ax.scatter(i + rng.uniform(-0.18, 0.18, len(vals)), vals, s=18, alpha=0.75, color=KIND_COLOURS["amount"])
    ax.set_yscale("log")
    ax.set_xticks(range(len(years)), [str(y) for y in years])
    ax.set_ylabel("amount (CNY, log scale)")
    ax.set_xlabel("year (linked date, else nearest date before it, else issue date)")
    ax.grid(axis="y", which="major", alpha=0.3)
    return fig


def percents_by_change(df: pd.DataFrame):
    """Per kind of change, each percent a dot; percentage points apart from per cent."""
    groups = sorted(df["change"].unique())
    df, fig, ax, rng = _scatter_figure(df)
    for unit, marker in (("%", "o"), ("pp", "^")):
        part = df[df["unit"] == unit]
        xs = np.array([groups.index(g) for g in part["change"]], dtype=float) + rng.uniform(-0.18, 0.18, len(part))
        ax.scatter(xs, part["value"], s=18, alpha=0.75, marker=marker, color=KIND_COLOURS["percent"] if unit == "%" else "#0891b2",
                   label="per cent" if unit == "%" else "percentage points")
    ax.set_xticks(range(len(groups)), groups)
    ax.set_ylabel("value")
    ax.axhline(0, color="#94a3b8", lw=0.8)
    ax.legend(frameon=False, loc="best")
    return fig


def change_of(before: str) -> str:
    """Which kind of change a percent reports, from the words just before it (nearest first)."""
    for size in (4, 8, 16):
        window = before[-size:]
        for change, words in CHANGE_WORDS.items():
            if any(w in window for w in words):
                return change
    return "other"


def _scatter_figure(df: pd.DataFrame):
    """(the rows to draw, figure, axes, jitter generator): at most MAX_DOTS rows, sampled
    with a fixed seed, and a fixed jitter, so the same run draws the same chart."""
    fig, ax = plt.subplots(figsize=(5.2, 3.2))
    if len(df) > MAX_DOTS:
        ax.set_title(f"a sample of {MAX_DOTS} of {len(df)}", fontsize=8, loc="left")
        df = df.sample(MAX_DOTS, random_state=0).sort_index()
    return df, fig, ax, np.random.default_rng(0)


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.tight_layout()
    fig.savefig(buf, format="svg", metadata={"Date": None})  # no timestamp: reruns give the same file
    plt.close(fig)
    return buf.getvalue()
