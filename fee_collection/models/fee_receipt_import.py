from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import check_protected_fields
from .fee_receipt_collect_batch import CollectionRowError

# A file with more rows to post than this is posted by the scheduler, in one
# transaction: at a few milliseconds a row, a large file would outlast the request's
# time limit.
SYNC_POST_MAX_ROWS = 1000
WORKFLOW_FIELDS = dict.fromkeys(("name", "state", "company_id", "post_user_id"))


class FeeReceiptImport(models.Model):
    """Backfill (补录) of the paper receipts written while the system was down. The file
    is checked row by row first; nothing is posted unless every row is valid. A paper
    number is taken once per company, so importing the same file again, or one that
    overlaps it, posts nothing twice. The file and its result stay on the record.

    The rows are posted all at once, through the batch path of the collection
    (``res.partner._fee_collect_batch``), all or nothing. A large file is posted by the
    scheduler, as the user who asked for it, who is told when it is done. A row that
    fails there (a cashier who left meanwhile) posts nothing of the file and puts it in
    error on that row; checking and posting it again posts it whole.

    The import, its actions and its posting are here; reading and checking its file in
    ``fee_receipt_import_check.py``."""

    _name = "fee.receipt.import"
    _description = "Paper Receipts Backfill"
    _inherit = ["fee.batch.run.mixin"]
    _order = "create_date desc, id desc"
    _batch_cron_xmlid = "fee_collection.ir_cron_fee_receipt_import"

    company_id = fields.Many2one(readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    file = fields.Binary(required=True, attachment=True)
    file_name = fields.Char()
    state = fields.Selection(
        [
            ("draft", "To Check"),
            ("error", "Errors"),
            ("valid", "Ready"),
            ("posting", "Posting"),
            ("done", "Posted"),
        ],
        required=True,
        default="draft",
        readonly=True,
        tracking=True,
    )
    post_user_id = fields.Many2one(
        "res.users",
        string="Posted By",
        readonly=True,
        copy=False,
        help="Who asked for the post: the receipts are posted with their rights.",
    )
    line_ids = fields.One2many(
        "fee.receipt.import.line", "import_id", string="Rows", readonly=True
    )
    row_count = fields.Integer(compute="_compute_counts")
    error_count = fields.Integer(compute="_compute_counts", string="Errors")
    known_count = fields.Integer(compute="_compute_counts", string="Already Entered")
    posted_count = fields.Integer(compute="_compute_counts", string="Posted")
    to_post_count = fields.Integer(
        compute="_compute_counts",
        string="Rows to Post",
        help="Valid rows not entered yet: neither the rows in error nor those already "
        "entered.",
    )
    amount_total = fields.Monetary(compute="_compute_counts", string="Amount to Post")
    post_progress = fields.Float(
        compute="_compute_counts",
        string="Progress",
        help="Share of the rows to post that are posted, in percent.",
    )

    def _compute_counts(self):
        stats = {}
        for import_, status, count, amount in self.env[
            "fee.receipt.import.line"
        ]._read_group(
            [("import_id", "in", self.ids)],
            ["import_id", "status"],
            ["__count", "amount:sum"],
        ):
            stats[import_, status] = (count, amount)
        for import_ in self:
            counts = {
                status: stats.get((import_, status), (0, 0.0))
                for status in ("ok", "error", "known", "posted")
            }
            import_.row_count = sum(count for count, _amount in counts.values())
            import_.error_count = counts["error"][0]
            import_.known_count = counts["known"][0]
            import_.posted_count = counts["posted"][0]
            import_.to_post_count = counts["ok"][0]
            import_.amount_total = counts["ok"][1]
            to_post = counts["ok"][0] + counts["posted"][0]
            import_.post_progress = (
                100.0 * counts["posted"][0] / to_post if to_post else 0.0
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_protected_fields(self.browse(), vals, WORKFLOW_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_protected_fields(self, vals, WORKFLOW_FIELDS)
        if "file" in vals:
            self._check_can_change()
        result = super().write(vals)
        if "file" in vals:
            # A new file is checked again from scratch; the rows posted stay, with their
            # receipts.
            self.line_ids.filtered(lambda line: line.status != "posted").sudo().unlink()
            self.sudo().state = "draft"
        return result

    def _check_can_change(self):
        """Refuse to check or replace the file of an import posted or being posted."""
        for import_ in self:
            if import_.state == "done":
                raise UserError(
                    self.env._("%(name)s is already posted.", name=import_.name)
                )
            if import_.state == "posting":
                raise UserError(
                    self.env._(
                        "%(name)s is being posted in the background: wait until it is "
                        "done.",
                        name=import_.name,
                    )
                )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_check(self):
        """Read the file and check every row; rows are listed with their errors. Rows
        this import posted already keep their line and receipt."""
        for import_ in self:
            import_._check_can_change()
            rows = import_._read_rows()
            posted = import_.line_ids.filtered(lambda line: line.status == "posted")
            (import_.line_ids - posted).sudo().unlink()
            posted_numbers = set(posted.mapped("paper_number"))
            lines = (
                self.env["fee.receipt.import.line"]
                .sudo()
                .create(
                    [
                        {"import_id": import_.id, **vals}
                        for vals in import_._check_rows(rows)
                        if vals["paper_number"] not in posted_numbers
                    ]
                )
            )
            import_.sudo().state = (
                "error" if "error" in lines.mapped("status") else "valid"
            )
        return True

    def action_post(self):
        """Post every valid row as a receipt of channel Backfill, dated as its paper
        receipt and in the name of the cashier who wrote it: all rows, or none. A file
        of more than SYNC_POST_MAX_ROWS rows to post is queued for the scheduler."""
        self.ensure_one()
        self.action_check()
        if self.state != "valid":
            raise UserError(
                self.env._(
                    "%(count)s rows of %(name)s have errors: correct the file and import "
                    "it again. Nothing was posted.",
                    count=self.error_count,
                    name=self.name,
                )
            )
        self.sudo().post_user_id = self.env.user
        lines = self._get_lines_to_post()
        if len(lines) <= SYNC_POST_MAX_ROWS:
            self._post_lines(lines)
            self.sudo().state = "done"
            self._message_log(body=self._get_done_message())
            return True
        self.sudo().state = "posting"
        return self._queue_for_scheduler(
            self.env._(
                "%(name)s: its %(count)s receipts are posted in the background; "
                "you will be notified when it is done.",
                name=self.name,
                count=len(lines),
            )
        )

    # ------------------------------------------------------------------
    # Posting
    # ------------------------------------------------------------------

    def _get_lines_to_post(self):
        self.ensure_one()
        return self.env["fee.receipt.import.line"].search(
            [("import_id", "=", self.id), ("status", "=", "ok")], order="row, id"
        )

    def _post_lines(self, lines):
        """Post ``lines`` (valid rows of this import) through the one way money is
        taken, all at once, as the user who asked for the post, in the import's
        company."""
        self.ensure_one()
        receipts = (
            self.env["res.partner"]
            .with_user(self.post_user_id)
            .with_company(self.company_id)
            ._fee_collect_batch(
                [
                    {
                        "row": line.row,
                        "partner": line.partner_id,
                        "amount": line.amount,
                        "journal": line.journal_id,
                        "date": line.date,
                        "paper_number": line.paper_number,
                        "user": line.user_id,
                    }
                    for line in lines
                ],
                channel="import",
            )
        )
        for line, receipt in zip(lines.sudo(), receipts, strict=True):
            line.status = "posted"
            line.receipt_id = receipt
        lines.flush_recordset(["status", "receipt_id"])

    def _get_done_message(self):
        return self.company_id._fee_get_lang_env()._(
            "%(count)s paper receipts posted.",
            count=self.env["fee.receipt.import.line"].search_count(
                [("import_id", "=", self.id), ("status", "=", "posted")]
            ),
        )

    @api.model
    def _cron_post_imports(self):
        """Post the oldest import queued for posting, whole, and report progress, so
        that the scheduler commits and calls again until no import is left."""
        import_ = self.search([("state", "=", "posting")], order="id", limit=1)
        if import_:
            import_._post_queued()
        self.env["ir.cron"]._notify_progress(
            done=len(import_), remaining=self.search_count([("state", "=", "posting")])
        )

    def _post_queued(self):
        """Post this queued import, all or nothing. Rows whose paper number was entered
        meanwhile (by another import) are skipped as already entered: nothing is posted
        twice. A row that fails posts nothing: the import is put in error on it."""
        self.ensure_one()
        lines = self._get_lines_to_post()
        entered = self._get_entered_paper_numbers(lines.mapped("paper_number"))
        known = lines.filtered(lambda line: line.paper_number in entered)
        known.sudo().write(
            {"status": "known", "message": self.env._("already entered")}
        )
        try:
            with self.env.cr.savepoint():
                self._post_lines(lines - known)
        except CollectionRowError as error:
            failed = lines.filtered(lambda line, row=error.row: line.row == row)
            self._stop_posting(failed, error)
            return
        self.sudo().state = "done"
        self._notify_post_user(self._get_done_message())

    def _stop_posting(self, line, error):
        """Put the import in error on ``line``, which could not be posted, and tell the
        user who asked for the post."""
        line.sudo().write({"status": "error", "message": error.reason})
        self.sudo().state = "error"
        self._notify_post_user(
            self.company_id._fee_get_lang_env()._(
                "Posting stopped at row %(row)s (paper receipt %(number)s): %(error)s "
                "Nothing of the file was posted: correct the cause, then check and post "
                "it again.",
                row=line.row,
                number=line.paper_number,
                error=error.reason,
            )
        )

    def _notify_post_user(self, body):
        self.message_post(
            body=body,
            partner_ids=self.post_user_id.partner_id.ids,
            subtype_xmlid="mail.mt_note",
        )


class FeeReceiptImportLine(models.Model):
    _name = "fee.receipt.import.line"
    _description = "Paper Receipt Row"
    _order = "import_id, row"

    import_id = fields.Many2one(
        "fee.receipt.import", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="import_id.company_id", store=True)
    currency_id = fields.Many2one(related="import_id.currency_id")
    row = fields.Integer()
    paper_number = fields.Char()
    date = fields.Date()
    partner_id = fields.Many2one("res.partner", string="Subscriber")
    amount = fields.Monetary()
    journal_id = fields.Many2one("account.journal", string="Payment Method")
    user_id = fields.Many2one("res.users", string="Cashier")
    status = fields.Selection(
        [
            ("ok", "Valid"),
            ("known", "Already Entered"),
            ("error", "Error"),
            ("posted", "Posted"),
        ],
        required=True,
    )
    message = fields.Char()
    receipt_id = fields.Many2one("fee.receipt")
