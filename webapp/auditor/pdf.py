"""An audit report as a PDF: summary, every finding, and bar charts drawn with fpdf2 primitives.

The PDF is a rendering for people; the canonical JSON is the report that is hashed and
signed, and the PDF names that hash and ledger record so a reader can check it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from webapp.auditor.reports import ReportProof, SavedReport

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
"""DejaVu covers the characters reports hold (…, →, non-Latin supplier names); without it
the PDF falls back to the core Helvetica font and Latin-1 text."""

ACCENT = (11, 110, 121)
BAD = (179, 38, 30)
OK = (27, 127, 75)
MUTED = (93, 107, 112)
BAR_WIDTH_MM = 100.0
LABEL_WIDTH_MM = 50.0


class _ReportPdf(FPDF):
    def __init__(self, report_id: str) -> None:
        super().__init__(format="A4")
        self.report_id = report_id
        self.unicode = (FONT_DIR / "DejaVuSans.ttf").exists() and (FONT_DIR / "DejaVuSans-Bold.ttf").exists()
        if self.unicode:
            self.add_font("report", "", str(FONT_DIR / "DejaVuSans.ttf"))
            self.add_font("report", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.family = "report" if self.unicode else "helvetica"
        self.set_auto_page_break(True, margin=15)
        self.set_title(f"CarbonLedger audit report {report_id}")
        self.set_creator("CarbonLedger")

    def text_of(self, value: Any) -> str:
        text = str(value)
        if self.unicode:
            return text
        text = text.replace("…", "...").replace("→", "->").replace("–", "-").replace("—", "-")
        return text.encode("latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, self.text_of(f"CarbonLedger audit report {self.report_id} · page {self.page_no()}/{{nb}}"),
                  align="C")


def render_pdf(saved: SavedReport, proof: ReportProof) -> bytes:
    """The report as PDF bytes (A4)."""
    pdf = _ReportPdf(saved.report_id)
    try:
        return _render(pdf, saved, proof)
    finally:
        for font in pdf.fonts.values():  # embedded TrueType fonts keep their file open until closed
            if hasattr(font, "close"):
                font.close()


def _render(pdf: _ReportPdf, saved: SavedReport, proof: ReportProof) -> bytes:
    report = saved.report
    pdf.add_page()
    t = pdf.text_of
    pdf.set_font(pdf.family, "B", 16)
    pdf.cell(0, 9, t(f"Audit report {saved.report_id}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    findings = report["findings"]
    pdf.set_font(pdf.family, "B", 12)
    pdf.set_text_color(*(OK if report["ok"] else BAD))
    verdict = "No findings: every check held." if report["ok"] else f"{len(findings)} finding(s)."
    pdf.cell(0, 8, t(verdict), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(pdf.family, "", 10)
    for label, value in _summary(saved, report, proof):
        pdf.set_font(pdf.family, "B", 9)
        pdf.cell(48, 5.5, t(label))
        pdf.set_font(pdf.family, "", 9)
        pdf.multi_cell(0, 5.5, t(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    _heading(pdf, "Findings")
    if not findings:
        pdf.set_font(pdf.family, "", 10)
        pdf.cell(0, 6, t("None."), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    else:
        pdf.set_font(pdf.family, "", 8)
        with pdf.table(col_widths=(38, 30, 56, 56), text_align="LEFT", line_height=4.5,
                       headings_style=_headings_style()) as table:
            table.row([t(h) for h in ("Record", "Check", "Expected", "Found")])
            for f in findings:
                table.row([t(f["subject"]), t(f["check"]), t(f["expected"]), t(f["found"])])

    charts = report["charts"]
    _heading(pdf, "Footprint by transport mode (kg CO2e, well-to-wheel)")
    _bars(pdf, list(charts["footprint_by_mode_kg"].items()), lambda v: f"{v:,.1f} kg")
    _heading(pdf, "Footprint by supplier (kg CO2e, well-to-wheel)")
    _bars(pdf, list(charts["footprint_by_supplier_kg"].items()), lambda v: f"{v:,.1f} kg")
    _heading(pdf, "Primary-data share by month")
    _bars(pdf, list(charts["primary_data_share_by_month"].items()), lambda v: f"{v:.0%}", scale=1.0)
    return bytes(pdf.output())


def _summary(saved: SavedReport, report: dict[str, Any], proof: ReportProof) -> list[tuple[str, str]]:
    pending = proof.verdict is not None and proof.verdict.anchored is False
    status = ("verified just now" + (", awaiting its on-chain checkpoint" if pending else "")) if proof.ok else "FAILED: " + "; ".join(d for _, ok, d in proof.checks if not ok)
    return [
        ("Scope", report["scope_description"]),
        ("Generated", f"{report['generated_at']} for {report['requested_by']}"),
        ("Records checked", f"{report['records_checked']} of a log of {report['log_size']} "
                            f"({report['anchored']} anchored)"),
        ("Footprints recomputed", str(report["footprints_recomputed"])),
        ("Checkpoints checked", f"{report['checkpoints_checked']} (chain {report['chain_id'] or 'not reachable'})"),
        ("Ledger record", f"{saved.record_seq} (audit_report, {status})"),
        ("Report SHA-256", proof.sha256),
    ]


def _headings_style() -> Any:
    from fpdf.fonts import FontFace

    return FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=ACCENT)


def _heading(pdf: _ReportPdf, title: str) -> None:
    pdf.ln(4)
    if pdf.get_y() > pdf.h - 45:
        pdf.add_page()
    pdf.set_font(pdf.family, "B", 12)
    pdf.set_text_color(*ACCENT)
    pdf.cell(0, 8, pdf.text_of(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)


def _bars(pdf: _ReportPdf, items: list[tuple[str, float]], fmt: Any, scale: float | None = None) -> None:
    """One horizontal bar per item, scaled to ``scale`` (default: the largest value)."""
    pdf.set_font(pdf.family, "", 9)
    if not items:
        pdf.set_text_color(*MUTED)
        pdf.cell(0, 6, pdf.text_of("No footprints in scope."), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
        return
    top = scale or max(v for _, v in items) or 1.0
    for label, value in items:
        if pdf.get_y() > pdf.h - 22:
            pdf.add_page()
        y = pdf.get_y()
        pdf.cell(LABEL_WIDTH_MM, 6, pdf.text_of(label)[:32])
        width = max(0.4, BAR_WIDTH_MM * value / top)
        pdf.set_fill_color(*ACCENT)
        pdf.rect(pdf.l_margin + LABEL_WIDTH_MM, y + 1, width, 4, style="F")
        pdf.set_xy(pdf.l_margin + LABEL_WIDTH_MM + width + 2, y)
        pdf.cell(0, 6, pdf.text_of(fmt(value)), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
