import base64
import csv
import datetime
import io
import math

import openpyxl
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_is_zero, format_amount, format_date

from ..tools import normalize_id_number
from ..tools.groups import ACCOUNTANT, CASHIER

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
# A paper receipt is backfilled within a year of being written: older dates are typing
# errors (a year 1900, a swapped day and year).
MAX_DATE_AGE = relativedelta(years=1)
MAX_PAPER_NUMBER_LENGTH = 64


class FeeReceiptImport(models.Model):
    """Reading and checking a backfill's file: its rows, from a CSV or XLSX file,
    each checked (paper number, date, subscriber, amount, payment method, cashier)
    before anything is posted, and the paper numbers the company has entered already."""

    _inherit = "fee.receipt.import"

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
        rows = [
            {
                key: row[position]
                if position is not None and position < len(row)
                else None
                for key, position in index.items()
            }
            for row in table[1:]
            if any(cell not in (None, "") for cell in row)
        ]
        if not rows:
            raise UserError(
                self.env._(
                    "%(file)s has no receipt under its first row: nothing to import.",
                    file=self.file_name,
                )
            )
        return rows

    def _check_rows(self, rows):
        """The values of an import line per row, each with its status: ok, known (its
        paper number is already entered: skipped) or error (with the reasons)."""
        company = self.company_id
        journals = company._fee_get_payment_journals()
        known = self._get_entered_paper_numbers(
            [self._normalize_paper_number(row["paper_number"]) for row in rows]
        )
        services = self._find_services(rows)
        id_numbers = self._find_subscribers(rows)
        users = self._find_cashiers(rows)
        may_import_others = self.env.su or self.env.user.has_group(ACCOUNTANT)
        today = fields.Date.context_today(self)
        lock_dates = {}
        seen = set()
        vals_list = []
        for number, row in enumerate(rows, start=2):
            errors = []
            paper = self._normalize_paper_number(row["paper_number"])
            if not paper:
                errors.append(self.env._("no paper receipt number"))
            elif len(paper) > MAX_PAPER_NUMBER_LENGTH:
                errors.append(
                    self.env._(
                        "paper number longer than %(max)s characters",
                        max=MAX_PAPER_NUMBER_LENGTH,
                    )
                )
            elif paper in seen:
                errors.append(self.env._("paper number twice in the file"))
            seen.add(paper)
            journal = self._find_journal(journals, row["method"])
            date = self._parse_date(row["date"])
            if not date:
                errors.append(self.env._("bad date %(date)s", date=row["date"] or "-"))
            elif date > today:
                errors.append(self.env._("date in the future"))
            elif date < today - MAX_DATE_AGE:
                errors.append(
                    self.env._(
                        "date %(date)s more than a year ago",
                        date=format_date(self.env, date),
                    )
                )
            elif journal:
                if journal not in lock_dates:
                    lock_dates[journal] = company._get_user_fiscal_lock_date(journal)
                if date <= lock_dates[journal]:
                    errors.append(
                        self.env._(
                            "date %(date)s in a locked period (locked up to %(lock)s)",
                            date=format_date(self.env, date),
                            lock=format_date(self.env, lock_dates[journal]),
                        )
                    )
            service_number = str(row["service_number"] or "").strip()
            row_services = services.get(service_number)
            partner = (
                row_services[:1].partner_id.commercial_partner_id
                if row_services
                else id_numbers.get(normalize_id_number(str(row["id_number"] or "")))
            )
            if not partner:
                errors.append(
                    self.env._(
                        "no subscriber with service number or ID number %(number)s",
                        number=row["service_number"] or row["id_number"] or "-",
                    )
                )
            elif row_services and row_services[0].state == "closed":
                errors.append(
                    self.env._("service %(number)s is closed", number=service_number)
                )
            amount = self._parse_amount(row["amount"], company.currency_id)
            if amount is None:
                errors.append(
                    self.env._("bad amount %(amount)s", amount=row["amount"] or "-")
                )
            elif (
                company.fee_max_receipt_amount
                and amount > company.fee_max_receipt_amount
            ):
                errors.append(
                    self.env._(
                        "amount above the largest receipt allowed (%(max)s)",
                        max=format_amount(
                            self.env,
                            company.fee_max_receipt_amount,
                            company.currency_id,
                        ),
                    )
                )
            if not journal:
                errors.append(
                    self.env._(
                        "unknown payment method %(method)s", method=row["method"] or "-"
                    )
                )
            login = str(row["cashier"] or "").strip()
            user = users.get(login, self.env.user)
            if login and login not in users:
                errors.append(self.env._("no cashier %(login)s", login=login))
            elif user != self.env.user and not may_import_others:
                errors.append(
                    self.env._(
                        "a receipt of %(login)s: cashiers import their own receipts only",
                        login=login,
                    )
                )
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

    @api.model
    def _normalize_paper_number(self, value):
        """A paper number as entered: case variants and surrounding spaces are the same
        number."""
        return str(value or "").strip().upper()

    def _get_entered_paper_numbers(self, numbers):
        """Those of ``numbers`` (normalized) already entered in the import's company,
        whatever the case they were entered in."""
        numbers = [
            number
            for number in numbers
            if number and len(number) <= MAX_PAPER_NUMBER_LENGTH
        ]
        if not numbers:
            return set()
        Receipt = self.env["fee.receipt"]
        Receipt.flush_model(["company_id", "paper_number"])
        self.env.cr.execute(
            SQL(
                """
            SELECT upper(paper_number) FROM fee_receipt
             WHERE company_id = %s AND upper(paper_number) = ANY(%s)
            """,
                self.company_id.id,
                numbers,
            )
        )
        return {number for (number,) in self.env.cr.fetchall()}

    def _find_services(self, rows):
        """{service number: the company's services of that number, not closed first}."""
        numbers = {
            str(row["service_number"]).strip() for row in rows if row["service_number"]
        }
        if not numbers:
            return {}
        services = self.env["fee.subscription"].search(
            [
                ("service_number", "in", list(numbers)),
                ("company_id", "=", self.company_id.id),
            ]
        )
        return {
            number: number_services.sorted(
                lambda service: (service.state == "closed", service.id)
            )
            for number, number_services in services.grouped("service_number").items()
        }

    def _find_subscribers(self, rows):
        """{ID number: subscriber} among the subscribers of the import's company (or of
        no company)."""
        numbers = {
            normalize_id_number(str(row["id_number"]).strip())
            for row in rows
            if row["id_number"]
        }
        if not numbers:
            return {}
        Partner = self.env["res.partner"]
        partners = Partner.search(
            [
                *Partner._check_company_domain(self.company_id),
                ("is_subscriber", "=", True),
                ("id_number", "in", list(numbers)),
            ]
        )
        # A subscriber of the company rather than one of no company with the same number.
        return {
            partner.id_number: partner
            for partner in partners.sorted(lambda partner: bool(partner.company_id))
        }

    def _find_cashiers(self, rows):
        logins = {str(row["cashier"]).strip() for row in rows if row["cashier"]}
        users = self.env["res.users"].search(
            [
                ("login", "in", list(logins)),
                ("share", "=", False),
                (
                    "groups_id",
                    "in",
                    self.env.ref(CASHIER).ids,
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
        if (
            not math.isfinite(amount)
            or amount <= 0
            or not float_is_zero(
                amount - currency.round(amount),
                precision_digits=currency.decimal_places + 2,
            )
        ):
            return None
        return amount
