"""The company and its people: the add-on's demo records (fee_collection/demo/*.xml) loaded
and dated before the first bill, then fitted to the Chinese operator: VAT rates of the
Chinese chart, the counter's payment journals, Chinese names for the records named in
English, each demo user's language."""

from datetime import timedelta

from odoo import Command
from odoo.tools import convert_file

from .history import MODULE

DEMO_FILES = ["demo/fee_collection_demo.xml", "demo/fee_subscriber_demo.xml"]

# Chinese for the records whose names are in English in the demo files.
ZH_CN = {
    "fee_item_cable_tv_demo": {
        "name": "有线电视月租",
        "description_sale": "数字电视基本收视包，一台机顶盒。",
    },
    "fee_item_broadband_demo": {
        "name": "宽带月租（100M）",
        "description_sale": "有线网络家庭宽带，100兆。",
    },
    "fee_item_property_demo": {
        "name": "物业费（按面积，季度）",
        "description_sale": "每月每平方米1.50元，按季度收取。",
    },
    "fee_item_parking_demo": {
        "name": "停车费（月租）",
        "description_sale": "小区地下车位。",
    },
    "fee_pricelist_standard_demo": {"name": "标准资费"},
    "fee_pricelist_senior_demo": {"name": "老年优惠（70岁以上）"},
    "fee_pricelist_low_income_demo": {"name": "低保减免"},
    "fee_payment_term_end_of_month_demo": {
        "name": "当月月底前缴清",
        "note": "账单须在出账当月月底前缴清。",
    },
}
# Two demo users work in Chinese, the others in English.
USER_LANGS = {
    "user_fee_manager_demo": "en_US",
    "user_fee_accountant_demo": "en_US",
    "user_fee_cashier_demo": "zh_CN",
    "user_fee_collector_demo": "zh_CN",
    "user_fee_collector2_demo": "en_US",
}
# VAT on the fee items (prices include it): 6% on cable TV, broadband and property
# services, 9% on parking (lease of immovable property).
VAT = {
    "fee_item_cable_tv_demo": "l10n_cn_sales_excluded_6",
    "fee_item_broadband_demo": "l10n_cn_sales_excluded_6",
    "fee_item_property_demo": "l10n_cn_sales_excluded_6",
    "fee_item_parking_demo": "l10n_cn_sales_excluded_9",
}


class CompanyAndPeople:
    """Part of ``DemoHistory``: the records every later step works on."""

    def load_records(self):
        if self.env.ref(f"{MODULE}.fee_subscriber_001_demo", raise_if_not_found=False):
            raise SystemExit("The demo data is already loaded in this database.")
        Message = self.env["mail.message"]
        last_message_id = Message.search([], order="id desc", limit=1).id
        for filename in DEMO_FILES:
            convert_file(
                self.env,
                MODULE,
                filename,
                idref={},
                mode="init",
                noupdate=True,
                kind="demo",
            )
        self.users = {
            role: self.ref(f"user_fee_{role}_demo")
            for role in ("manager", "accountant", "cashier", "collector", "collector2")
        }
        # The records were entered before the first billing, the services when they started.
        self.env.flush_all()
        self.env.cr.precommit.run()
        messages = Message.search([("id", ">", last_message_id)])
        on_services = messages.filtered(lambda m: m.model == "fee.subscription")
        (messages - on_services).date = self.moment(
            self.months[0] - timedelta(days=10), 8
        )
        for service_id, service_messages in on_services.grouped("res_id").items():
            start = self.env["fee.subscription"].browse(service_id).date_start
            if start <= self.today:
                service_messages.date = self.moment(start, 8)

    def localise(self):
        env = self.env
        chart = env["account.chart.template"].with_company(self.company)
        for xmlid, tax_xmlid in VAT.items():
            tax = chart.ref(tax_xmlid, raise_if_not_found=False)
            if tax:
                self.ref(xmlid).taxes_id = [Command.set(tax.ids)]
        # The counter's payment methods: cash, bank transfer, bank card, WeChat Pay, Alipay.
        journals = self.company._fee_get_payment_journals()
        by_code = {journal.code: journal for journal in journals}
        self.cash = journals.filtered(lambda j: j.fee_payment_method == "cash")[:1]
        self.bank = journals.filtered(lambda j: j.fee_payment_method == "transfer")[:1]
        self.epay = by_code["WXPAY"]
        self.alipay = by_code["ALIPY"]
        # Discounts are given through pricelists: show them.
        env["res.config.settings"].create({"group_product_pricelist": True}).execute()
        if not env["res.lang"]._lang_get("zh_CN"):
            return
        for xmlid, values in ZH_CN.items():
            self.ref(xmlid).with_context(lang="zh_CN").write(values)
        for journal, name in (
            (self.epay, "微信支付"),
            (self.alipay, "支付宝"),
            (by_code["CARD"], "银行卡"),
        ):
            journal.with_context(lang="zh_CN").name = name
        if self.cash.name == "Cash on Hand":
            self.cash.with_context(lang="zh_CN").name = "库存现金"
        for xmlid, lang in USER_LANGS.items():
            if env["res.lang"]._lang_get(lang):
                self.ref(xmlid).lang = lang
        partners = env["res.partner"].search(
            ["|", ("is_subscriber", "=", True), ("is_fee_agent", "=", True)]
        )
        partners.lang = "zh_CN"
