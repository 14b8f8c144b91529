"""The board report: the executive dashboard as a PDF in the reader's language.

The figures are the dashboard's (``selectors.executive_overview``), the charts the page's
(``charts.executive_charts``, drawn to SVG and typeset in a process of their own by ``dashboards.render``); nothing here reads
survey data. The PDF is typeset by Typst (the ``typst`` wheel, no system libraries): this
module writes Typst markup in which every text that comes from the database goes through
``escape``, and hands the chart SVGs over as ``sys.inputs`` so they never pass through markup.

The monthly mail to the executives claims each (month, executive) with ``cache.add`` in Redis
before sending, so a second run in the same month, on any worker, sends nothing; a failed
send releases its claim so the retry sends it.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from common.roles import EXECUTIVE
from dashboards import charts as dashboard_charts
from dashboards import render, selectors
from kpis.templatetags.kpi_tags import kpi_number, kpi_value, points_percent

logger = logging.getLogger(__name__)

LANGUAGES = ("de", "en")
HEADLINE_KPIS = (
    "engagement-index",
    "enps",
    "participation-rate",
    "customer-satisfaction",
    "customer-nps",
    "turnover-rate",
    "absenteeism-rate",
)
HEADLINE_MAX = 8
TREND_ROWS = 12
MAIL_CLAIM_SECONDS = 62 * 24 * 3600  # longer than any month, so a claim outlives its month
STATUS_COLOURS = {"on_track": 'rgb("#009E73")', "off_track": 'rgb("#D55E00")', "not_yet": 'rgb("#E69F00")'}

# Everything Typst markup gives a meaning to (and a little more: escaping a harmless
# punctuation mark costs nothing). A backslash before any of them yields the character itself.
_MARKUP = set("\\#*_$@<>[]`~=-+/'\".:;{}()!?&%|^,")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")

# xgettext cannot read texts inside f-strings: they are marked here so that makemessages finds
# them (the code below translates them where they are used).
TEXTS_IN_F_STRINGS = [
    gettext_noop("Questions"),
    gettext_noop("Whole company: the department filter applies to the KPIs and the heatmap."),
    gettext_noop("Internal marketing"),
    gettext_noop("Board report"),
    gettext_noop("Reporting period"),
    gettext_noop("Generated on"),
    gettext_noop("Program"),
    gettext_noop("Department"),
    gettext_noop("Latest wave"),
    gettext_noop("closed on %(date)s"),
    gettext_noop("Headline KPIs"),
    gettext_noop("KPI"),
    gettext_noop("Latest"),
    gettext_noop("Baseline"),
    gettext_noop("Target"),
    gettext_noop("Status"),
    gettext_noop("Programs"),
    gettext_noop("Engagement and customer satisfaction"),
    gettext_noop("What to act on first"),
    gettext_noop("Programs and phases"),
    gettext_noop("%(met)s of %(total)s"),
    gettext_noop("Phase"),
    gettext_noop("Activities done"),
    gettext_noop("Exit criteria met"),
    gettext_noop("Overdue"),
    gettext_noop("Pre/post measurement"),
    gettext_noop("Goal"),
    gettext_noop("by %(date)s"),
    gettext_noop("Trend"),
    gettext_noop("Engagement over the waves"),
    gettext_noop("Wave"),
    gettext_noop("Closed on"),
    gettext_noop("Engagement index"),
    gettext_noop("eNPS"),
    gettext_noop("Participation"),
    gettext_noop("“–”: not published, to protect respondents."),
    gettext_noop("Latest wave by department"),
    gettext_noop("Q%(n)s"),
    gettext_noop("Share of favourable answers (eNPS: promoters minus detractors)."),
    gettext_noop("“–”: hidden to protect respondents (%(why)s)."),
    gettext_noop("Internal service"),
    gettext_noop("Department (provider)"),
    gettext_noop("Ratings"),
    gettext_noop("Internal NPS"),
    gettext_noop("items that go most with the outcome and score low come first"),
    gettext_noop("impact"),
]


def escape(text) -> str:
    """``text`` as Typst markup that shows exactly these characters (line breaks become spaces)."""
    text = _CONTROL.sub("", str(text)).replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return "".join("\\" + c if c in _MARKUP else c for c in text)


def fill(message: str, **code: str) -> str:
    """A translated message with ``%(name)s`` placeholders as markup: the words escaped, each
    placeholder replaced by the Typst code given for it (which is not escaped)."""
    parts = _PLACEHOLDER.split(message)
    return "".join(escape(part) if i % 2 == 0 else code[part] for i, part in enumerate(parts))


def _date(day: date, fmt: str = "DATE_FORMAT") -> str:
    return formats.date_format(day, fmt)


def _typst_string(text: str) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def company_name() -> str:
    return getattr(settings, "PORTAL_COMPANY_NAME", None) or settings.COMPANY_NAME


def period_label(overview: selectors.ExecutiveOverview) -> str:
    """The filter's period, else the months the figures come from."""
    if overview.filters.period is not None:
        return overview.filters.period.label
    days = [s.wave.closes_on for s in overview.trend]
    days += [t.latest.period_end for f in overview.kpis for t in f.tiles if t.latest is not None and t.latest.period_end]
    if not days:
        return _("no data yet")
    first, last = _date(min(days), "YEAR_MONTH_FORMAT"), _date(max(days), "YEAR_MONTH_FORMAT")
    return first if first == last else f"{first} – {last}"


def report_filename(filters: selectors.Filters, language: str, stamp: str = "") -> str:
    """board-report-<the filter's period, else ``stamp``, else today>-<language>.pdf"""
    stamp = filters.period.key if filters.period else (stamp or timezone.localdate().isoformat())
    return f"board-report-{stamp}-{language}.pdf"


# --- charts ----------------------------------------------------------------------------


def chart_specs(overview: selectors.ExecutiveOverview) -> dict[str, tuple[dict, int]]:
    """The dashboard's charts by name: each Vega-Lite spec with the width it is drawn at."""
    return {name: (spec, 160 if name.startswith("spark-") else 640) for name, spec in dashboard_charts.executive_charts(overview).items()}


# --- the document ----------------------------------------------------------------------


@dataclass
class _Doc:
    overview: selectors.ExecutiveOverview
    svgs: dict[str, str]
    company: str
    period: str
    language: str

    def image(self, name: str, width: str) -> str:
        if name not in self.svgs:
            return ""
        return f'#image(bytes(sys.inputs.at({_typst_string(name)})), format: "svg", width: {width})'


def _preamble(doc: _Doc) -> str:
    page_of = fill(_("Page %(page)s of %(pages)s"), page="#counter(page).display()", pages="#counter(page).final().first()")
    generated = escape(_("Generated on %(date)s") % {"date": _date(doc.overview.generated_on)})
    header = f"{escape(doc.company)} · {escape(_('Board report'))} #h(1fr) {escape(doc.period)}"
    return f"""
#set document(title: [{escape(_("Board report"))} · {escape(doc.company)}], author: {_typst_string(doc.company)})
#set text(font: ("Liberation Sans", "DejaVu Sans", "Libertinus Serif"), size: 9.5pt, lang: "{doc.language}", fill: rgb("#212529"))
#set par(leading: 0.55em, spacing: 0.9em)
#set page(
  paper: "a4",
  margin: (left: 1.8cm, right: 1.8cm, top: 2.2cm, bottom: 2cm),
  header: context {{
    if counter(page).get().first() > 1 {{
      set text(size: 8pt, fill: rgb("#6c757d"))
      [{header}]
      v(-0.6em)
      line(length: 100%, stroke: 0.4pt + rgb("#ced4da"))
    }}
  }},
  footer: context {{
    set text(size: 8pt, fill: rgb("#6c757d"))
    line(length: 100%, stroke: 0.4pt + rgb("#ced4da"))
    v(-0.6em)
    [{escape(doc.company)} · {generated} #h(1fr) {page_of}]
  }},
)
#show heading.where(level: 1): it => block(above: 1.8em, below: 0.9em)[#set text(size: 15pt, weight: "bold", fill: rgb("#0b3d6b")); #it.body]
#show heading.where(level: 2): it => block(above: 1.3em, below: 0.6em)[#set text(size: 11.5pt, weight: "bold", fill: rgb("#0b3d6b")); #it.body]
#show heading.where(level: 3): it => block(above: 1em, below: 0.5em)[#set text(size: 10pt, weight: "bold"); #it.body]
#set table(stroke: (x, y) => (bottom: 0.4pt + rgb("#dee2e6")), inset: (x: 4pt, y: 3.5pt))
#show table.cell.where(y: 0): set text(weight: "bold", size: 8.5pt)
#let muted(body) = text(fill: rgb("#6c757d"), size: 8.5pt, body)
#let badge(colour, body) = box(inset: (x: 3pt, y: 1.5pt), radius: 2pt, fill: colour.lighten(80%), stroke: 0.5pt + colour, text(size: 8pt, body))
#let notice(body) = block(width: 100%, inset: 6pt, radius: 3pt, fill: rgb("#e7f1ff"), stroke: 0.5pt + rgb("#9ec5fe"), body)
"""


def _status(tile) -> str:
    if not tile.status:
        return "–"
    colour = STATUS_COLOURS.get(tile.status, 'rgb("#6c757d")')
    return f"#badge({colour})[{escape(tile.status_label)}]"


def _phase_state(status, current) -> str:
    phase = status.phase
    if phase.is_completed:
        return _("completed")
    if current is not None and phase.pk == current.pk:
        return _("current")
    return _("upcoming")


def _headline_tiles(overview) -> list:
    tiles = [t for f in overview.kpis for t in f.tiles]
    chosen = [t for t in tiles if t.target is not None or t.kpi.code in HEADLINE_KPIS]
    return chosen[:HEADLINE_MAX]


def _summary(doc: _Doc) -> list[str]:
    o = doc.overview
    out = [
        f'#text(size: 9pt, fill: rgb("#6c757d"))[{escape(_("Internal marketing"))}]',
        f'#v(-0.4em)\n#text(size: 22pt, weight: "bold", fill: rgb("#0b3d6b"))[{escape(_("Board report"))}]',
        f"#v(-0.2em)\n#text(size: 13pt)[{escape(doc.company)}]",
        "#v(0.3em)",
        f"*{escape(_('Reporting period'))}:* {escape(doc.period)} #h(1.2em) *{escape(_('Generated on'))}:* {escape(_date(o.generated_on))}",
    ]
    scope = []
    if o.filters.program:
        scope.append(f"*{escape(_('Program'))}:* {escape(o.filters.program.name)}")
    if o.filters.department:
        scope.append(f"*{escape(_('Department'))}:* {escape(o.filters.department.name)}")
    if scope:
        out.append(" #h(1.2em) ".join(scope))
    out.append('#line(length: 100%, stroke: 0.6pt + rgb("#0b3d6b"))')

    latest = o.trend[-1] if o.trend else None
    if latest is not None:
        boxes = [
            (_("Engagement index"), points_percent(latest.engagement)),
            (_("eNPS"), kpi_number(latest.enps, 0)),
            (_("Participation"), points_percent(latest.participation)),
        ]
        cells = ", ".join(
            f'box(width: 100%, inset: 6pt, radius: 3pt, fill: rgb("#f1f5f9"))[#muted[{escape(label)}] \\ #text(size: 16pt, weight: "bold")[{escape(value)}]]'
            for label, value in boxes
        )
        out.append(f"== {escape(_('Latest wave'))}")
        out.append(f"{escape(latest.wave.title)} · {escape(_('closed on %(date)s') % {'date': _date(latest.wave.closes_on)})}")
        if o.filters.department:
            out.append(f"#muted[{escape(_('Whole company: the department filter applies to the KPIs and the heatmap.'))}]")
        out.append(f"#grid(columns: (1fr, 1fr, 1fr), gutter: 8pt, {cells})")

    out.append(f"== {escape(_('Headline KPIs'))}")
    headline = _headline_tiles(o)
    if headline:
        rows = []
        for t in headline:
            target = kpi_value(t.target.value, t.kpi) if t.target else "–"
            baseline = kpi_value(t.baseline.value, t.kpi) if t.baseline else "–"
            rows.append(
                f"[{escape(t.kpi.name)}], [{escape(kpi_value(t.latest.value, t.kpi))}], [{escape(baseline)}], [{escape(target)}], [{_status(t)}]"
            )
        out.append(
            "#table(columns: (1fr, auto, auto, auto, auto), align: (left, right, right, right, left),\n"
            f"  table.header([{escape(_('KPI'))}], [{escape(_('Latest'))}], [{escape(_('Baseline'))}], [{escape(_('Target'))}], [{escape(_('Status'))}]),\n  "
            + ",\n  ".join(rows)
            + ")"
        )
    else:
        out.append(escape(_("No KPI has a value in this selection yet.")))

    out.append(f"== {escape(_('Programs'))}")
    if o.programs:
        for card in o.programs:
            current = card.row.current
            where = (
                _("now in phase %(number)s, %(phase)s") % {"number": current.number, "phase": current.get_number_display()}
                if current
                else _("all four phases are completed")
            )
            steps = " · ".join(
                f"{s.phase.number}. {escape(_phase_state(s, current))}"
                + ("" if s.phase.is_completed else f" ({escape(points_percent(s.phase.progress))})")
                for s in card.phases
            )
            overdue = sum(s.overdue for s in card.phases)
            line = f"- *{escape(card.row.program.name)}*: {escape(where)}. #muted[{steps}]"
            if overdue:
                line += (
                    ' #text(fill: rgb("#D55E00"))['
                    + escape(ngettext("%(n)s activity overdue", "%(n)s activities overdue", overdue) % {"n": overdue})
                    + "]"
                )
            out.append(line)
    else:
        out.append(escape(_("No active program.")))

    if o.scatter is not None:
        out.append(f"== {escape(_('Engagement and customer satisfaction'))}")
        out.append(escape(o.scatter.reading))
    if o.drivers:
        first = o.drivers[0]
        out.append(f"== {escape(_('What to act on first'))}")
        out.append(escape(first.question.text))
    out.append("#pagebreak()")
    return out


def _programs(doc: _Doc) -> list[str]:
    o = doc.overview
    out = [f"= {escape(_('Programs and phases'))}"]
    if not o.programs:
        return [*out, escape(_("No active program."))]
    for card in o.programs:
        current = card.row.current
        out.append(f"== {escape(card.row.program.name)}")
        rows = []
        for s in card.phases:
            done = "100\u00a0%" if s.phase.is_completed else points_percent(s.phase.progress)
            rows.append(
                f"[{s.phase.number}. {escape(s.phase.get_number_display())}], [{escape(_phase_state(s, current))}], [{escape(done)}], "
                f"[{escape(_('%(met)s of %(total)s') % {'met': s.criteria_met, 'total': s.criteria_total})}], [{s.overdue or '–'}]"
            )
        out.append(
            "#table(columns: (1fr, auto, auto, auto, auto), align: (left, left, right, right, right),\n"
            f"  table.header([{escape(_('Phase'))}], [{escape(_('Status'))}], [{escape(_('Activities done'))}], "
            f"[{escape(_('Exit criteria met'))}], [{escape(_('Overdue'))}]),\n  " + ",\n  ".join(rows) + ")"
        )
        if card.prepost:
            summary = card.prepost.get("de" if doc.language == "de" else "en", "")
            figures = _("Engagement index %(before)s before, %(after)s after.") % {
                "before": points_percent(card.prepost.get("before")),
                "after": points_percent(card.prepost.get("after")),
            }
            out.append(f"*{escape(_('Pre/post measurement'))}:* {escape(figures)} {escape(summary)}")
    return out


def _kpis(doc: _Doc) -> list[str]:
    o = doc.overview
    title = _("KPIs against baseline and target")
    if o.filters.department:
        title += f" · {o.filters.department.name}"
    out = [f"= {escape(title)}"]
    if not o.kpis:
        return [*out, escape(_("No KPI has a value in this selection yet."))]
    for family in o.kpis:
        out.append(f"== {escape(family.label)}")
        rows = []
        for t in family.tiles:
            name = f"{escape(t.kpi.name)}"
            if t.goal:
                name += f" \\ #muted[{escape(_('Goal'))}: {escape(t.goal.title)}]"
            latest = f"{escape(kpi_value(t.latest.value, t.kpi))} \\ #muted[{escape(_date(t.latest.period_end, 'SHORT_DATE_FORMAT'))}]"
            target = "–"
            if t.target:
                target = f"{escape(kpi_value(t.target.value, t.kpi))}"
                if t.target.due_date:
                    target += f" \\ #muted[{escape(_('by %(date)s') % {'date': _date(t.target.due_date, 'SHORT_DATE_FORMAT')})}]"
            baseline = escape(kpi_value(t.baseline.value, t.kpi)) if t.baseline else "–"
            spark = doc.image(f"spark-{t.kpi.code}", "2.4cm")
            rows.append(f"[{name}], [{latest}], [{spark}], [{baseline}], [{target}], [{_status(t)}]")
        out.append(
            "#table(columns: (1fr, auto, 2.6cm, auto, auto, auto), align: (left + horizon, right + horizon, center + horizon, "
            "right + horizon, right + horizon, left + horizon),\n"
            f"  table.header([{escape(_('KPI'))}], [{escape(_('Latest'))}], [{escape(_('Trend'))}], [{escape(_('Baseline'))}], "
            f"[{escape(_('Target'))}], [{escape(_('Status'))}]),\n  " + ",\n  ".join(rows) + ")"
        )
    return out


def _engagement(doc: _Doc) -> list[str]:
    o = doc.overview
    out = [f"= {escape(_('Engagement over the waves'))}"]
    if not o.trend:
        return [*out, escape(_("No closed wave in this selection."))]
    if "trend" in doc.svgs:
        out.append(f"#align(center)[{doc.image('trend', '100%')}]")
    rows = [
        f"[{escape(s.wave.title)}], [{escape(_date(s.wave.closes_on, 'SHORT_DATE_FORMAT'))}], [{escape(points_percent(s.engagement))}], "
        f"[{escape(kpi_number(s.enps, 0))}], [{escape(points_percent(s.participation))}]"
        for s in list(reversed(o.trend))[:TREND_ROWS]
    ]
    out.append(
        "#table(columns: (1fr, auto, auto, auto, auto), align: (left, right, right, right, right),\n"
        f"  table.header([{escape(_('Wave'))}], [{escape(_('Closed on'))}], [{escape(_('Engagement index'))}], [{escape(_('eNPS'))}], "
        f"[{escape(_('Participation'))}]),\n  " + ",\n  ".join(rows) + ")"
    )
    note = (
        _("The %(n)s latest waves; the chart shows all %(all)s.") % {"n": TREND_ROWS, "all": len(o.trend)}
        if len(o.trend) > TREND_ROWS
        else ""
    )
    out.append(f"#muted[{escape(note)} {escape(_('“–”: not published, to protect respondents.'))}]")
    if o.scatter is not None:
        # Heading, reading and chart stay on one page.
        chart = f"#align(center)[{doc.image('scatter', '80%')}]" if "scatter" in doc.svgs else ""
        out.append(
            f"#block(breakable: false)[\n== {escape(_('Engagement and customer satisfaction'))}\n\n{escape(o.scatter.reading)}\n\n{chart}\n]"
        )
    return out


def _heat_fill(value) -> str:
    """Light to dark blue as the share favourable rises (readable with colour-vision deficiencies)."""
    share = max(0.0, min(1.0, float(value) / 100))
    light, dark = (239, 246, 255), (8, 81, 156)
    r, g, b = (round(lo + (hi - lo) * share) for lo, hi in zip(light, dark, strict=True))
    return f"rgb({r}, {g}, {b})"


def _heat_cell(cell) -> str:
    """A heatmap cell as the page shows it: the eNPS where the item has one, else % favourable."""
    if cell.hidden:
        return '[#text(fill: rgb("#6c757d"))[–]]'
    if cell.enps is not None:  # an eNPS is no share, so it takes no shade
        return f"[{escape(kpi_number(cell.enps, 0))}]"
    shown = points_percent(cell.favourability)
    if cell.favourability is None:
        return f"[{escape(shown)}]"
    ink = "white" if cell.favourability >= 60 else 'rgb("#212529")'
    return f"table.cell(fill: {_heat_fill(cell.favourability)})[#text(fill: {ink})[{escape(shown)}]]"


def _latest(doc: _Doc) -> list[str]:
    o = doc.overview
    latest = o.latest
    out = [f"= {escape(_('Latest wave by department'))}"]
    if latest is None:
        return [*out, escape(_("No closed wave in this selection."))]
    line = escape(latest.wave.title)
    total = latest.results.participation_total
    if total.get("rate") is not None:
        line += " · " + escape(
            _("participation %(rate)s (%(answered)s of %(invited)s)")
            % {"rate": points_percent(total["rate"]), "answered": total["answered"], "invited": total["invited"]}
        )
    out.append(line)
    if latest.notice:
        out.append(f"#notice[{escape(latest.notice)}]")
    if latest.results.breakdown_reason:
        out.append(f"#muted[{escape(latest.results.breakdown_reason)}]")
    if latest.rows:
        questions = latest.results.heatmap_questions
        header = [f"[{escape(_('Department'))}]", f"[{escape(_('Engagement index'))}]"] + [
            f"[{escape(_('Q%(n)s') % {'n': i})}]" for i in range(1, len(questions) + 1)
        ]
        rows, reasons = [], {}
        for row in latest.rows:
            label = escape(row["group"].label)
            if row["group"].note:
                label += f" \\ #muted[{escape(row['group'].note)}]"
            cells = [f"[{label}]", _heat_cell(row["engagement"])]
            cells += [_heat_cell(cell) for cell, _style in row["cells"]]
            for cell in [row["engagement"]] + [c for c, _s in row["cells"]]:
                if cell.hidden:
                    reasons.setdefault(cell.reason_label, []).append(row["group"].label)
            rows.append(", ".join(cells))
        columns = ", ".join(["1fr", "auto"] + ["auto"] * len(questions))
        out.append(
            f"#table(columns: ({columns}), align: (x, y) => if x == 0 {{ left + horizon }} else {{ right + horizon }},\n"
            f"  table.header({', '.join(header)}),\n  " + ",\n  ".join(rows) + ")"
        )
        # The legend names each column exactly as its header does (Q1 / F1 in German).
        legend = [f"- {escape(_('Q%(n)s') % {'n': i})}: {escape(q.question.text)}" for i, q in enumerate(questions, start=1)]
        out.append(f"#muted[{escape(_('Questions'))}:]\n#block[#set text(size: 8.5pt)\n" + "\n".join(legend) + "\n]")
        out.append(f"#muted[{escape(_('Share of favourable answers (eNPS: promoters minus detractors).'))}]")
        if reasons:
            notes = "; ".join(f"{', '.join(dict.fromkeys(groups))}: {reason}" for reason, groups in reasons.items())
            out.append(f"#muted[{escape(_('“–”: hidden to protect respondents (%(why)s).') % {'why': notes})}]")
    return out


def _internal_and_drivers(doc: _Doc) -> list[str]:
    o = doc.overview
    out = [f"== {escape(_('Internal service'))}"]
    if o.internal:
        out.append(escape(o.internal_wave.title))
        rows = [
            f"[{escape(s.department.name)}], [{s.n if s.n else '–'}], [{escape(kpi_number(s.inps, 0)) if s.inps is not None else '–'}]"
            for s in o.internal["scorecards"]
        ]
        out.append(
            "#table(columns: (1fr, auto, auto), align: (left, right, right),\n"
            f"  table.header([{escape(_('Department (provider)'))}], [{escape(_('Ratings'))}], [{escape(_('Internal NPS'))}]),\n  "
            + ",\n  ".join(rows)
            + ")"
        )
        hidden = [s for s in o.internal["scorecards"] if not s.n and s.reason_label]
        if hidden:
            out.append(
                f"#muted[{escape(_('“–”: hidden to protect respondents (%(why)s).') % {'why': '; '.join(f'{s.department.name}: {s.reason_label}' for s in hidden)})}]"
            )
    else:
        out.append(escape(_("No closed internal customer survey in this selection.")))
    out.append(f"== {escape(_('What to act on first'))}")
    if o.drivers:
        out.append(f"{escape(o.drivers_wave.title)} · #muted[{escape(_('items that go most with the outcome and score low come first'))}]")
        for d in o.drivers:
            score = points_percent(d.score) if d.score is not None else "–"
            out.append(f"+ {escape(d.question.text)} #muted[({escape(score)} · {escape(_('impact'))} {escape(kpi_number(d.impact, 2))})]")
    else:
        out.append(escape(_("No driver analysis in this selection yet.")))
    return out


def board_report_source(overview: selectors.ExecutiveOverview, *, svgs: dict[str, str], language: str) -> str:
    """The Typst markup of the report (in the active language)."""
    doc = _Doc(overview=overview, svgs=svgs, company=company_name(), period=period_label(overview), language=language)
    parts = [_preamble(doc), *_summary(doc), *_programs(doc), *_kpis(doc), *_engagement(doc), *_latest(doc), *_internal_and_drivers(doc)]
    return "\n\n".join(parts) + "\n"


def board_report_pdf(*, filters: selectors.Filters | None = None, language: str) -> bytes:
    """The board report as PDF bytes, in ``language`` ("de" or "en"), within ``filters``."""
    started = time.monotonic()
    with translation.override(language):
        overview = selectors.executive_overview(filters=filters)
        specs = chart_specs(overview)
        source = board_report_source(overview, svgs=dict.fromkeys(specs, ""), language=language)
    pdf = render.render_isolated(source, specs)
    logger.info("board report (%s) rendered in %.2f s", language, time.monotonic() - started)
    return pdf


# --- the monthly mail ------------------------------------------------------------------


def _preferred_language(user) -> str:
    employee = getattr(user, "employee", None)
    language = employee.preferred_language if employee is not None else "de"
    return language if language in LANGUAGES else "de"


def mail_claim_key(month: date, user_id: int) -> str:
    return f"dashboards:board-report-mail:{month:%Y-%m}:{user_id}"


def board_report_mail(*, month: date | None = None) -> int:
    """Mail this month's board report to every active executive, once per month and person,
    in each one's preferred language (German without an employee record). Returns mails sent."""
    month = (month or timezone.localdate()).replace(day=1)
    recipients = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=EXECUTIVE)
        .exclude(email="")
        .select_related("employee")
        .order_by("pk")
        .distinct()
    )
    pdfs: dict[str, bytes] = {}
    sent = 0
    for user in recipients:
        key = mail_claim_key(month, user.pk)
        if not cache.add(key, timezone.now().isoformat(), MAIL_CLAIM_SECONDS):
            continue  # claimed by an earlier run this month (or a worker running now)
        language = _preferred_language(user)
        try:
            if language not in pdfs:
                pdfs[language] = board_report_pdf(filters=selectors.Filters(), language=language)
            with translation.override(language):
                company = company_name()
                subject = _("Board report %(month)s · %(company)s") % {"month": _date(month, "YEAR_MONTH_FORMAT"), "company": company}
                body = _(
                    "Hello %(name)s,\n\nattached is this month's board report on internal marketing at %(company)s: "
                    "programs and phases, KPIs against baseline and target, engagement and customer satisfaction.\n\n"
                    "The current figures, with filters, are on the dashboard: %(url)s\n"
                ) % {
                    "name": user.get_full_name() or user.username,
                    "company": company,
                    "url": f"{settings.PORTAL_BASE_URL.rstrip('/')}/dashboard/",
                }
            message = EmailMessage(subject, body, to=[user.email])
            message.attach(report_filename(selectors.Filters(), language, f"{month:%Y-%m}"), pdfs[language], "application/pdf")
            message.send()
        except Exception:
            cache.delete(key)  # not sent: let the retry claim it again
            raise
        sent += 1
    return sent
