import math

from odoo import api, models

# The 80 mm roll's page, in mm, estimated from the receipt's rows of text (measured on
# the template at the paper format's 96 dpi): its fixed part (heading, subscriber, totals,
# thanks, margins), and each invoice paid, a row of padding and its rows of text, a row
# taking as many characters as fit in the first column (a Chinese character counting
# two). The printer cuts the roll at the page's end: the estimate leaves little blank.
ROLL_FIXED_HEIGHT = 100
ROLL_LINE_PADDING = 2
ROLL_ROW_HEIGHT = 4
ROLL_ROW_WIDTH = 36


class FeeReceiptRollReport(models.AbstractModel):
    """The 80 mm roll: one continuous page per receipt, as long as its longest
    receipt, instead of a fixed length that splits a long receipt's totals onto a
    second page."""

    _name = "report.fee_collection.report_fee_receipt"
    _inherit = "report.fee_collection.receipt_document"
    _description = "Receipt (80 mm)"

    @api.model
    def _get_report_values(self, docids, data=None):
        values = super()._get_report_values(docids, data=data)
        values["data_report_page_height"] = max(
            (self._get_page_height(receipt) for receipt in values["docs"]),
            default=ROLL_FIXED_HEIGHT,
        )
        return values

    @api.model
    def _get_page_height(self, receipt):
        """The receipt's length on the roll, in mm: an estimate, which the printing
        makes longer should the receipt not fit (``ir.actions.report``)."""
        height = ROLL_FIXED_HEIGHT
        for line in receipt.line_ids:
            texts = [line.move_id.name or "", *(line.description or "").splitlines()]
            rows = sum(
                max(math.ceil(self._text_width(text) / ROLL_ROW_WIDTH), 1)
                for text in texts
            )
            height += ROLL_LINE_PADDING + ROLL_ROW_HEIGHT * rows
        return math.ceil(height)

    @api.model
    def _text_width(self, text):
        return sum(2 if ord(character) > 0x2E7F else 1 for character in text)
