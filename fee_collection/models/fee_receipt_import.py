import base64
import csv
import datetime
import io

import openpyxl

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_is_zero

from ..tools import check_protected_fields, normalize_id_number

# Accepted column headers (English or Chinese) for each value of a row.
COLUMNS = {
    "paper_number": ("paper_number", "paper number", "票据号", "收据号"),
    "date": ("date", "日期", "收款日期"),
    "service_number": ("service_number", "service number", "服务号码", "用户号码"),
    "id_number": ("id_number", "id number", "身份证号", "身份证号码"),
    "amount": ("amount", "金额", "收款金额"),
    "method": ("method", "payment method", "付款方式", "收款方式"),
    "cashier": ("cashier", "收款员", "收费员"),
}
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%d/%m/%Y")
WORKFLOW_FIELDS = dict.fromkeys(("name", "state", "company_id"))


class FeeReceiptImport(models.Model):
    """Backfill (补录) of the paper receipts written while the system was down. The file
    is checked row by row first; nothing is posted unless every row is valid. A paper
    number is taken once per company, so importing the same file again, or one that
    overlaps it, posts nothing twice. The file and its result stay on the record."""

    _name = "fee.receipt.import"
    _description = "Paper Receipts Backfill"
    _inherit = ["mail.thread"]
    _order = "create_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True, copy=False, default="/")
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    file = fields.Binary(required=True, attachment=True)
    file_name = fields.Char()
    state = fields.Selection(
        [
            ("draft", "To Check"),
            ("error", "Errors"),
            ("valid", "Ready"),
            ("done", "Posted"),
        ],
        required=True,
        default="draft",
        readonly=True,
        tracking=True,
    )
    line_ids = fields.One2many(
        "fee.receipt.import.line", "import_id", string="Rows", readonly=True
    )
    row_count = fields.Integer(compute="_compute_counts")
    error_count = fields.Integer(compute="_compute_counts", string="Errors")
    known_count = fields.Integer(compute="_compute_counts", string="Already Entered")
    posted_count = fields.Integer(compute="_compute_counts", string="Posted")
    amount_total = fields.Monetary(compute="_compute_counts", string="To Post")

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
            import_.amount_total = counts["ok"][1]

    @api.model_create_multi
    def create(self, vals_list):
        self.check_access("create")
        for vals in vals_list:
            check_protected_fields(self.browse(), vals, WORKFLOW_FIELDS)
            vals["name"] = (
                self.env["ir.sequence"].next_by_code("fee.receipt.import") or "/"
            )
        return super().create(vals_list)

    def write(self, vals):
        check_protected_fields(self, vals, WORKFLOW_FIELDS)
        if "file" in vals:
            self._check_not_done()
        result = super().write(vals)
        if "file" in vals:
            # A new file is checked again from scratch.
            self.line_ids.sudo().unlink()
            self.sudo().state = "draft"
        return result

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_check(self):
        """Read the file and check every row; rows are listed with their errors."""
        for import_ in self:
            import_._check_not_done()
            rows = import_._read_rows()
            import_.line_ids.sudo().unlink()
            lines = (
                self.env["fee.receipt.import.line"]
                .sudo()
                .create(
                    [
                        {"import_id": import_.id, **vals}
                        for vals in import_._check_rows(rows)
                    ]
                )
            )
            import_.sudo().state = (
                "error" if "error" in lines.mapped("status") else "valid"
            )
        return True

    def action_post(self):
        """Post every valid row as a receipt of channel Backfill, dated as its paper
        receipt and in the name of the cashier who wrote it: all rows, or none."""
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
        for line in self.line_ids.filtered(lambda line: line.status == "ok"):
            receipt = line.partner_id.with_company(self.company_id)._fee_collect(
                line.amount,
                line.journal_id,
                channel="import",
                date=line.date,
                paper_number=line.paper_number,
                user=line.user_id,
            )
            line.sudo().write({"status": "posted", "receipt_id": receipt.id})
        self.sudo().state = "done"
        self._message_log(
            body=self.env._("%(count)s paper receipts posted.", count=self.posted_count)
        )
        return True

    # ------------------------------------------------------------------
    # Reading and checking
    # ------------------------------------------------------------------

    def _check_not_done(self):
        done = self.filtered(lambda import_: import_.state == "done")
        if done:
            raise UserError(
                self.env._("%(name)s is already posted.", name=done[0].name)
            )

    def _read_rows(self):
        """The file's rows as dicts keyed by COLUMNS, from a CSV (UTF-8 or GB18030, as
        Excel saves it in Chinese) or an XLSX file; its first row names the columns."""
        self.ensure_one()
        data = base64.b64decode(self.file or b"")
        if (self.file_name or "").lower().endswith(".xlsx"):
            try:
                sheet = openpyxl.load_workbook(
                    io.BytesIO(data), read_only=True, data_only=True
                ).active
            except Exception as error:
                raise UserError(
                    self.env._("%(file)s is not an XLSX file.", file=self.file_name)
                ) from error
            table = [list(row) for row in sheet.iter_rows(values_only=True)]
        else:
            for encoding in ("utf-8-sig", "gb18030"):
                try:
                    text = data.decode(encoding)
                    break
                except UnicodeDecodeError:
                    continue
            else:
                raise UserError(
                    self.env._(
                        "%(file)s is neither UTF-8 nor GB18030 text.",
                        file=self.file_name,
                    )
                )
            table = list(csv.reader(io.StringIO(text)))
        if not table:
            raise UserError(self.env._("%(file)s is empty.", file=self.file_name))
        header = [str(cell or "").strip().lower() for cell in table[0]]
        index = {
            key: next((header.index(name) for name in names if name in header), None)
            for key, names in COLUMNS.items()
        }
        missing = [
            key
            for key in ("paper_number", "date", "amount", "method")
            if index[key] is None
        ]
        if missing or (index["service_number"] is None and index["id_number"] is None):
            raise UserError(
                self.env._(
                    "The first row of %(file)s must name the columns: paper_number, date, "
                    "service_number or id_number, amount, method and cashier (or their "
                    "Chinese names).",
                    file=self.file_name,
                )
            )
        return [
            {
                key: row[position]
                if position is not None and position < len(row)
                else None
                for key, position in index.items()
            }
            for row in table[1:]
            if any(cell not in (None, "") for cell in row)
        ]

    def _check_rows(self, rows):
        """The values of an import line per row, each with its status: ok, known (its
        paper number is already entered: skipped) or error (with the reasons)."""
        company = self.company_id
        journals = company._fee_get_payment_journals()
        known = set(
            self.env["fee.receipt"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("paper_number", "in", [str(row["paper_number"]) for row in rows]),
                ]
            )
            .mapped("paper_number")
        )
        services = self._find_by("service_number", rows)
        id_numbers = self._find_by("id_number", rows)
        users = self._find_cashiers(rows)
        seen = set()
        vals_list = []
        for number, row in enumerate(rows, start=2):
            errors = []
            paper = str(row["paper_number"] or "").strip()
            if not paper:
                errors.append(self.env._("no paper receipt number"))
            elif paper in seen:
                errors.append(self.env._("paper number twice in the file"))
            seen.add(paper)
            date = self._parse_date(row["date"])
            if not date:
                errors.append(self.env._("bad date %(date)s", date=row["date"] or "-"))
            elif date > fields.Date.context_today(self):
                errors.append(self.env._("date in the future"))
            partner = services.get(str(row["service_number"] or "").strip()) or (
                id_numbers.get(normalize_id_number(str(row["id_number"] or "")))
            )
            if not partner:
                errors.append(
                    self.env._(
                        "no subscriber with service number or ID number %(number)s",
                        number=row["service_number"] or row["id_number"] or "-",
                    )
                )
            amount = self._parse_amount(row["amount"], company.currency_id)
            if amount is None:
                errors.append(
                    self.env._("bad amount %(amount)s", amount=row["amount"] or "-")
                )
            journal = self._find_journal(journals, row["method"])
            if not journal:
                errors.append(
                    self.env._(
                        "unknown payment method %(method)s", method=row["method"] or "-"
                    )
                )
            user = users.get(str(row["cashier"] or "").strip(), self.env.user)
            if row["cashier"] and str(row["cashier"]).strip() not in users:
                errors.append(self.env._("no cashier %(login)s", login=row["cashier"]))
            status = "error" if errors else ("known" if paper in known else "ok")
            vals_list.append(
                {
                    "row": number,
                    "paper_number": paper,
                    "date": date,
                    "partner_id": partner.id if partner else False,
                    "amount": amount or 0.0,
                    "journal_id": journal.id if journal else False,
                    "user_id": user.id,
                    "status": status,
                    "message": "; ".join(errors)
                    if errors
                    else (self.env._("already entered") if status == "known" else ""),
                }
            )
        return vals_list

    def _find_by(self, key, rows):
        values = {str(row[key]).strip() for row in rows if row[key]}
        if not values:
            return {}
        if key == "service_number":
            services = self.env["fee.subscription"].search(
                [
                    ("service_number", "in", list(values)),
                    ("company_id", "=", self.company_id.id),
                ]
            )
            return {
                service.service_number: service.partner_id.commercial_partner_id
                for service in services
            }
        numbers = {normalize_id_number(value) for value in values}
        partners = self.env["res.partner"].search(
            [("is_subscriber", "=", True), ("id_number", "in", list(numbers))]
        )
        return {partner.id_number: partner for partner in partners}

    def _find_cashiers(self, rows):
        logins = {str(row["cashier"]).strip() for row in rows if row["cashier"]}
        users = self.env["res.users"].search(
            [
                ("login", "in", list(logins)),
                ("share", "=", False),
                (
                    "groups_id",
                    "in",
                    self.env.ref("fee_collection.group_fee_cashier").ids,
                ),
            ]
        )
        return {user.login: user for user in users}

    @api.model
    def _find_journal(self, journals, method):
        """The journal a file's method names: by code, name or kind of method (its key,
        or its label in English or Chinese, whatever the user's language)."""
        text = str(method or "").strip().lower()
        field = journals._fields["fee_payment_method"]
        installed = {code for code, _name in self.env["res.lang"].get_installed()}
        labels = [
            dict(field._description_selection(self.with_context(lang=lang).env))
            for lang in {"en_US", "zh_CN", self.env.lang} & installed
        ]
        for journal in journals:
            names = {
                journal.code.lower(),
                journal.name.lower(),
                journal.fee_payment_method or "",
                *(
                    label.get(journal.fee_payment_method, "").lower()
                    for label in labels
                ),
            }
            if text in names:
                return journal
        return None

    @api.model
    def _parse_date(self, value):
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = str(value or "").strip()
        for date_format in DATE_FORMATS:
            try:
                return datetime.datetime.strptime(text, date_format).date()
            except ValueError:
                continue
        return None

    @api.model
    def _parse_amount(self, value, currency):
        try:
            amount = float(str(value).replace(",", "").strip())
        except (TypeError, ValueError):
            return None
        if amount <= 0 or not float_is_zero(
            amount - currency.round(amount),
            precision_digits=currency.decimal_places + 2,
        ):
            return None
        return amount


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
