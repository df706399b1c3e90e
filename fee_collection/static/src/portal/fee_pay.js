/** @odoo-module **/

import PaymentForm from "@payment/js/payment_form";
import publicWidget from "@web/legacy/js/public/public_widget";
import { formatFloat } from "@web/core/utils/numbers";

/**
 * The invoices ticked on a pay page (/p/<code>) and what paying them takes, in the
 * currency's smallest unit while summing: what is due on them less the subscriber's
 * credit. None ticked: all of them. The server computes the same and refuses any other.
 *
 * @param {HTMLElement} page - The pay page's container (.o_fee_pay).
 * @return {{invoiceIds: number[], amount: number}}
 */
function chosenInvoices(page) {
    const decimals = parseInt(page.dataset.decimals || "2");
    const unit = 10 ** decimals;
    const boxes = [...page.querySelectorAll("input[name='fee_pay_invoice']")];
    const ticked = boxes.filter((box) => box.checked);
    const units = (ticked.length ? ticked : boxes).reduce(
        (sum, box) => sum + Math.round(parseFloat(box.dataset.amount) * unit),
        0
    );
    const credit = Math.round(parseFloat(page.dataset.credit || "0") * unit);
    return {
        invoiceIds: ticked.map((box) => parseInt(box.value)),
        amount: Math.max(units - credit, 0) / unit,
    };
}

publicWidget.registry.FeePayInvoices = publicWidget.Widget.extend({
    selector: ".o_fee_pay",
    events: {
        "change input[name='fee_pay_invoice']": "_onInvoiceToggled",
    },

    /**
     * @override
     */
    start() {
        // A page restored by the browser's back button keeps the boxes ticked then.
        this._onInvoiceToggled();
        return this._super(...arguments);
    },

    /**
     * Show the total of the invoices ticked.
     *
     * @private
     */
    _onInvoiceToggled() {
        const total = this.el.querySelector(".o_fee_pay_total");
        if (!total) {
            return;
        }
        const { amount } = chosenInvoices(this.el);
        const { currencySymbol, currencyPosition, decimals } = this.el.dataset;
        const number = formatFloat(amount, { digits: [69, parseInt(decimals || "2")] });
        total.textContent =
            currencyPosition === "after"
                ? `${number}\u00a0${currencySymbol}`
                : `${currencySymbol}\u00a0${number}`;
    },
});

PaymentForm.include({
    /**
     * On a pay page, the transaction is that of the invoices ticked, for their amount.
     *
     * @override
     */
    _prepareTransactionRouteParams() {
        const params = this._super(...arguments);
        const page = this.el.closest(".o_fee_pay");
        if (page) {
            const { invoiceIds, amount } = chosenInvoices(page);
            params.invoice_ids = invoiceIds;
            params.amount = amount;
        }
        return params;
    },
});
