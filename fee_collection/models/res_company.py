import itertools
import string

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.translate import LazyTranslate

from ..tools import check_integer_range

_lt = LazyTranslate(__name__)

# Late fees (滞纳金) may not exceed the principal, and a daily rate above 1% is a typing error
# (0.05%, i.e. 0.0005, is the usual one).
MAX_LATE_FEE_DAILY_RATE = 0.01
MAX_LATE_FEE_CAP_RATIO = 1.0
MAX_GRACE_DAYS = 365
MAX_PROMISE_DAYS = 365
MAX_CHRONIC_LATE_COUNT = 100
MAX_PAY_LINK_DAYS = 3660
NOT_NEGATIVE = _lt(
    "The duplicate payment window, the cash difference alert, the missed calls before a "
    "visit and the largest receipt cannot be negative."
)
# (field, lowest, highest or None, the refusal)
SETTING_BOUNDS = (
    (
        "late_fee_daily_rate",
        0,
        MAX_LATE_FEE_DAILY_RATE,
        _lt(
            "The daily late fee rate must be between 0 and %(max)s (1%% a day); 0.0005 is "
            "0.05%% a day.",
            max=MAX_LATE_FEE_DAILY_RATE,
        ),
    ),
    (
        "late_fee_cap_ratio",
        0,
        MAX_LATE_FEE_CAP_RATIO,
        _lt(
            "The late fee cap must be between 0 and 1: a late fee cannot exceed the amount "
            "it is charged on."
        ),
    ),
    (
        "late_fee_grace_days",
        0,
        MAX_GRACE_DAYS,
        _lt(
            "The late fee grace period must be between 0 and %(max)s days.",
            max=MAX_GRACE_DAYS,
        ),
    ),
    ("fee_duplicate_window_minutes", 0, None, NOT_NEGATIVE),
    ("fee_cash_difference_threshold", 0, None, NOT_NEGATIVE),
    ("fee_unreachable_attempts", 0, None, NOT_NEGATIVE),
    ("fee_max_receipt_amount", 0, None, NOT_NEGATIVE),
    (
        "fee_pay_link_validity_days",
        1,
        MAX_PAY_LINK_DAYS,
        _lt("A pay link is valid between 1 and %(max)s days.", max=MAX_PAY_LINK_DAYS),
    ),
    (
        "fee_chronic_late_count",
        1,
        MAX_CHRONIC_LATE_COUNT,
        _lt(
            "A chronic late payer has between 1 and %(max)s late payments in twelve months.",
            max=MAX_CHRONIC_LATE_COUNT,
        ),
    ),
    (
        "fee_promise_max_days",
        1,
        MAX_PROMISE_DAYS,
        _lt(
            "The promise horizon must be between 1 and %(max)s days.",
            max=MAX_PROMISE_DAYS,
        ),
    ),
)
# Collectors' cash journals are coded "FC" and one to three base-36 characters (journal
# codes have at most five): 36 + 36² + 36³ codes, whatever the collectors' user ids.
COLLECTOR_JOURNAL_PREFIX = "FC"
COLLECTOR_JOURNAL_SUFFIX_SIZE = 3


class FeeCompanySettings(models.AbstractModel):
    """Fee collection's settings of a company, defined once: kept on the company, which
    checks them, and shown by the settings form of fee collection's managers
    (``fee.settings``), which writes them back."""

    _name = "fee.company.settings"
    _description = "Fee Collection Settings of a Company"

    # The currency of the amounts: the company's.
    currency_id = fields.Many2one("res.currency")
    dunning_policy_id = fields.Many2one(
        "fee.dunning.policy", string="Default Dunning Policy"
    )
    dunning_fee_product_id = fields.Many2one(
        "product.product",
        string="Dunning Fee Item",
        domain="[('type', '=', 'service')]",
    )
    late_fee_daily_rate = fields.Float(
        string="Late Fee a Day", digits=(16, 6), help="0.05% is 0.0005."
    )
    late_fee_grace_days = fields.Integer(
        string="Grace Days", help="Days after the due date before late fees accrue."
    )
    late_fee_cap_ratio = fields.Float(
        string="Late Fee Cap",
        digits=(16, 4),
        default=1.0,
        help="Of the amount it is charged on.",
    )
    late_fee_product_id = fields.Many2one(
        "product.product", string="Late Fee Item", domain="[('type', '=', 'service')]"
    )
    fee_promise_max_days = fields.Integer(
        string="Promise Horizon (Days)",
        default=30,
        help="A collector may accept a promise to pay (预约缴费) at most this many days "
        "ahead; only a fee collection manager can grant a longer delay.",
    )
    fee_chronic_late_count = fields.Integer(
        string="Chronic Late Payer After",
        default=3,
        help="A subscriber with at least this many invoices paid late, or not yet paid, "
        "among those due in the last twelve months is a chronic late payer "
        "(经常缴费不及时用户).",
    )

    fee_unreachable_attempts = fields.Integer(
        string="Visit After Missed Calls",
        default=3,
        help="A phone order whose subscriber was not reached this many times becomes a "
        "visit order (0: never).",
    )
    fee_duplicate_window_minutes = fields.Integer(
        string="Duplicate Payment Window",
        default=10,
        help="Two receipts of the same subscriber and amount within this many minutes "
        "raise a duplicate payment alert (异常交易预警).",
    )
    fee_cash_difference_threshold = fields.Monetary(
        string="Cash Difference Alert",
        default=50.0,
        help="A validated cash session whose difference exceeds this raises an alert.",
    )

    fee_max_receipt_amount = fields.Monetary(
        string="Largest Receipt",
        default=100000.0,
        help="Larger amounts are refused (0: no limit).",
    )
    fee_pay_link_validity_days = fields.Integer(
        string="Pay Link Validity (Days)",
        default=90,
        help="A subscriber's pay link (缴费链接) works this many days after the last "
        "notice that carried it.",
    )
    fee_billing_notice = fields.Selection(
        [
            ("none", "None"),
            ("sms", "SMS"),
            ("email", "E-mail"),
            ("sms_email", "SMS, else E-mail"),
        ],
        string="Payment Notice at Billing",
        default="none",
        help="After each billing run, every subscriber billed is sent a payment notice "
        "(缴费通知) with the amount, the due date and their pay link.",
    )
    fee_allow_self_approval = fields.Boolean(
        string="One-person Office",
        help="Whoever took the money may validate their own session, whoever asked "
        "for a refund or write-off may approve it; it is noted on the document.",
    )

    # Bad debts (坏账)
    fee_bad_debt_account_id = fields.Many2one(
        "account.account",
        string="Bad Debt Expense Account",
        domain="[('account_type', 'in', ('expense', 'expense_other'))]",
        help="Debited by approved write-offs.",
    )
    fee_bad_debt_recovery_account_id = fields.Many2one(
        "account.account",
        string="Bad Debt Recovery Account",
        domain="[('account_type', 'in', ('income', 'income_other'))]",
        help="Credited by what subscribers pay on written-off debts.",
    )


class ResCompany(models.Model):
    _name = "res.company"
    _inherit = ["res.company", "fee.company.settings"]

    dunning_policy_id = fields.Many2one(domain="[('company_id', '=', id)]")

    def _fee_get_lang_env(self):
        """The environment in the company's language. What is stored for everyone to
        read (chatter notes, activities, anomalies, journal names and entry labels) is
        written in it, whoever made it: not in the language of the user, or of the
        scheduler, that happened to."""
        self.ensure_one()
        return self.with_context(lang=self.sudo().partner_id.lang or self.env.lang).env

    def _fee_get_payment_journals(self):
        """The company's payment methods at the counter: its first cash and bank journals
        and, made on first use, a bank card journal and WeChat Pay and Alipay e-wallet
        journals. Companies without a chart of accounts have none."""
        self.ensure_one()
        journals = self._fee_search_payment_journals()
        if not journals and self.chart_template:
            self._fee_create_payment_journals()
            journals = self._fee_search_payment_journals()
        return journals

    def _fee_get_field_journals(self, user):
        """What a collector takes money in, in the field: their own cash journal (made
        on first use, so that the cash they hold shows until they hand it over) and the
        company's e-wallets."""
        self.ensure_one()
        Journal = self.env["account.journal"].sudo().with_company(self)
        cash = Journal.search(
            [
                *Journal._check_company_domain(self),
                ("fee_collector_id", "=", user.id),
            ],
            limit=1,
        )
        if not cash and self.chart_template:
            env = self._fee_get_lang_env()
            cash = Journal.with_context(lang=env.lang).create(
                {
                    "name": env._("Cash of %(user)s", user=user.name),
                    "code": self._fee_get_collector_journal_code(),
                    "type": "cash",
                    "fee_payment_method": "cash",
                    "fee_collector_id": user.id,
                    "sequence": 1,
                    "company_id": self.id,
                }
            )
        ewallets = self._fee_get_payment_journals().filtered(
            lambda journal: journal.fee_payment_method == "ewallet"
        )
        return cash | ewallets

    def _fee_get_collector_journal_code(self):
        """The first code of the collectors' series that no journal of the company uses,
        archived ones included."""
        self.ensure_one()
        Journal = self.env["account.journal"].sudo().with_context(active_test=False)
        used = set(
            Journal.search(
                [
                    *Journal._check_company_domain(self),
                    ("code", "=like", f"{COLLECTOR_JOURNAL_PREFIX}%"),
                ]
            ).mapped("code")
        )
        alphabet = string.digits + string.ascii_uppercase
        for size in range(1, COLLECTOR_JOURNAL_SUFFIX_SIZE + 1):
            for characters in itertools.product(alphabet, repeat=size):
                code = COLLECTOR_JOURNAL_PREFIX + "".join(characters)
                if code not in used:
                    return code
        first = COLLECTOR_JOURNAL_PREFIX + "0"
        last = COLLECTOR_JOURNAL_PREFIX + "Z" * COLLECTOR_JOURNAL_SUFFIX_SIZE
        raise UserError(
            self.env._(
                "Every journal code from %(first)s to %(last)s is taken in "
                "%(company)s: there is none left for a collector's cash journal.",
                first=first,
                last=last,
                company=self.name,
            )
        )

    def _fee_search_payment_journals(self):
        Journal = self.env["account.journal"].sudo().with_company(self)
        return Journal.search(
            [
                *Journal._check_company_domain(self),
                ("fee_payment_method", "!=", False),
                ("fee_collector_id", "=", False),
            ]
        ).sorted(
            lambda journal: (
                journal.fee_payment_method != "cash",
                journal.sequence,
                journal.id,
            )
        )

    def _fee_create_payment_journals(self):
        self.ensure_one()
        Journal = self.env["account.journal"].sudo().with_company(self)
        # Cash first: the counter offers the methods in the journals' order.
        for sequence, journal_type in enumerate(("cash", "bank"), start=1):
            existing = Journal.search(
                [
                    *Journal._check_company_domain(self),
                    ("type", "=", journal_type),
                    # Not a collector's own cash, made on a first field payment.
                    ("fee_collector_id", "=", False),
                ],
                limit=1,
            )
            existing.write(
                {
                    "fee_payment_method": "cash"
                    if journal_type == "cash"
                    else "transfer",
                    "sequence": sequence,
                }
            )
        env = self._fee_get_lang_env()
        Journal.with_context(lang=env.lang).create(
            [
                {
                    "name": name,
                    "code": code,
                    "type": "bank",
                    "fee_payment_method": method,
                    "sequence": sequence,
                    "company_id": self.id,
                }
                for sequence, name, code, method in (
                    (3, env._("Bank Card"), "CARD", "card"),
                    (4, env._("WeChat Pay"), "WXPAY", "ewallet"),
                    (5, env._("Alipay"), "ALIPY", "ewallet"),
                )
                if not Journal.search_count(
                    [*Journal._check_company_domain(self), ("code", "=", code)]
                )
            ]
        )

    def _fee_get_write_off_accounts(self):
        """The bad-debt expense and recovery income accounts."""
        return self._fee_get_settings(
            ("fee_bad_debt_account_id", "fee_bad_debt_recovery_account_id"),
            self.env._("writing off bad debts"),
        )

    def _fee_get_settings(self, names, purpose):
        """The company's settings ``names``; refused, naming the first that is not set
        and ``purpose`` (what needs them), when one is missing."""
        self.ensure_one()
        for name in names:
            if not self[name]:
                raise UserError(
                    self.env._(
                        "Set the %(setting)s of %(company)s in Fee Collection → "
                        "Configuration → Settings before %(purpose)s.",
                        setting=self._fields[name]._description_string(self.env),
                        company=self.name,
                        purpose=purpose,
                    )
                )
        return tuple(self[name] for name in names)

    def _fee_get_misc_journal(self):
        """The company's miscellaneous journal, which books write-offs and recoveries."""
        self.ensure_one()
        Journal = self.env["account.journal"].sudo().with_company(self)
        journals = Journal.search(
            [
                *Journal._check_company_domain(self),
                ("type", "=", "general"),
                ("currency_id", "in", (False, self.currency_id.id)),
            ],
            order="sequence, id",
        )
        journal = (
            journals.filtered(lambda journal: journal.code == "MISC")[:1]
            or (
                journals
                - self.currency_exchange_journal_id
                - self.tax_cash_basis_journal_id
            )[:1]
        )
        if not journal:
            raise UserError(
                self.env._(
                    "%(company)s has no miscellaneous journal to book write-offs in.",
                    company=self.name,
                )
            )
        return journal

    def _fee_setup_write_off_accounts(self):
        """Give companies with a chart of accounts a bad-debt expense and a recovery
        income account, when they have none: sub-accounts of the chart's non-operating
        expenses and income (营业外支出、营业外收入 in the Chinese chart), or after its
        first expense and other income accounts."""
        for company in self.filtered("chart_template"):
            env = company._fee_get_lang_env()
            company._fee_create_accounts(
                [
                    (
                        "fee_bad_debt_account_id",
                        ("l10n_cn_common_671100", "expense"),
                        "expense",
                        env._("Bad Debt Losses"),
                    ),
                    (
                        "fee_bad_debt_recovery_account_id",
                        ("l10n_cn_common_630100", "other_income"),
                        "income_other",
                        env._("Bad Debt Recoveries"),
                    ),
                ]
            )

    def _fee_create_accounts(self, specs):
        """Make the company's accounts ``specs`` ([(field, chart xmlids, account type,
        name)]) it has none for, each numbered after the first of the chart's accounts
        (of its type, when one is) or else after the chart's first account of its type."""
        self.ensure_one()
        Account = self.env["account.account"].sudo().with_company(self)
        chart = self.env["account.chart.template"].with_company(self)
        for field, xmlids, account_type, name in specs:
            if self[field]:
                continue
            found = Account.browse()
            for xmlid in xmlids:
                found |= chart.ref(xmlid, raise_if_not_found=False) or Account
            parent = (
                found.filtered(
                    lambda account, account_type=account_type: (
                        account.account_type == account_type
                    )
                )[:1]
                or found[:1]
                or Account.search(
                    [
                        *Account._check_company_domain(self),
                        ("account_type", "=", account_type),
                    ]
                ).sorted(lambda account: (account.code, account.id))[:1]
            )
            if not parent:
                continue
            self[field] = Account.create(
                {
                    "name": name,
                    "code": Account._search_new_account_code(parent.code),
                    "account_type": account_type,
                    "company_ids": [Command.set(self.ids)],
                }
            )

    @api.constrains(*(field for field, _low, _high, _message in SETTING_BOUNDS))
    def _check_setting_bounds(self):
        for company in self:
            for field, low, high, message in SETTING_BOUNDS:
                if company[field] < low or (high is not None and company[field] > high):
                    raise ValidationError(self.env._(message))

    @api.model_create_multi
    def create(self, vals_list):
        check_integer_range(self, vals_list)
        companies = super().create(vals_list)
        for company in companies:
            self.env["fee.receipt"]._get_sequence(company)
        return companies

    def write(self, vals):
        check_integer_range(self, [vals])
        return super().write(vals)
