import io

from odoo import api, models
from odoo.tools.pdf import PdfFileReader

PAGE_HEIGHT_ARG = "data-report-page-height"


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    @api.model
    def _build_wkhtmltopdf_args(
        self,
        paperformat_id,
        landscape,
        specific_paperformat_args=None,
        set_viewport_size=False,
    ):
        """A report may set its page height (in mm) as it sets its top margin: with a
        ``data-report-page-height`` attribute on its root, over the height of its custom
        paper format."""
        args = super()._build_wkhtmltopdf_args(
            paperformat_id,
            landscape,
            specific_paperformat_args=specific_paperformat_args,
            set_viewport_size=set_viewport_size,
        )
        height = (specific_paperformat_args or {}).get(PAGE_HEIGHT_ARG)
        if height and "--page-height" in args:
            args[args.index("--page-height") + 1] = f"{height}mm"
        return args

    @api.model
    def _run_wkhtmltopdf(self, bodies, report_ref=False, **kwargs):
        """A page height set by the report is an estimate of its longest document, made
        to print each document on one continuous page (a receipt on its roll). When a
        document still took more pages (a renderer of larger type, long texts), print
        again on pages as long as those it took."""
        pdf = super()._run_wkhtmltopdf(bodies, report_ref=report_ref, **kwargs)
        paperformat_args = kwargs.get("specific_paperformat_args") or {}
        height = paperformat_args.get(PAGE_HEIGHT_ARG)
        if not height:
            return pdf
        pages = len(PdfFileReader(io.BytesIO(pdf), strict=False).pages)
        extra_pages = pages - len(bodies)
        if extra_pages <= 0:
            return pdf
        # No document took more pages than the extra ones and its first.
        kwargs["specific_paperformat_args"] = {
            **paperformat_args,
            PAGE_HEIGHT_ARG: float(height) * (extra_pages + 1),
        }
        return super()._run_wkhtmltopdf(bodies, report_ref=report_ref, **kwargs)
