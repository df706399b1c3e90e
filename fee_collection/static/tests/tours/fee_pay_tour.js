/** @odoo-module **/

import { registry } from "@web/core/registry";

/**
 * A subscriber pays from their pay link on a phone, without logging in: their two bills
 * are shown (25.00 overdue, 30.00 not due yet), all ticked (55.00); they untick the one
 * not due yet (25.00 to pay), pay with the demo provider's card and land on their
 * receipt, with its PDF. The data is made by test_pay_tour.py, which checks the receipt,
 * the dunning level and the service reconnected afterwards.
 */
registry.category("web_tour.tours").add("fee_pay_tour", {
    steps: () => [
        {
            content: "both bills are ticked: 55.00 to pay",
            trigger: ".o_fee_pay .o_fee_pay_total:contains(55.00)",
        },
        {
            content: "untick the bill not due yet",
            trigger: ".o_fee_pay_invoices li:has(.o_fee_pay_residual:contains(30.00)) input[name=fee_pay_invoice]",
            run: "click",
        },
        {
            content: "25.00 left to pay",
            trigger: ".o_fee_pay .o_fee_pay_total:contains(25.00)",
        },
        {
            content: "choose the demo provider",
            trigger: "input[name=o_payment_radio][data-payment-method-code=demo]",
            run: "click",
        },
        {
            content: "type a card number",
            trigger: "input[name=customer_input]",
            run: "edit 4242424242424242",
        },
        {
            content: "pay",
            trigger: "button[name=o_payment_submit_button]:enabled",
            run: "click",
        },
        {
            content: "the payment lands on its receipt",
            trigger: ".o_fee_pay_status .o_fee_pay_receipt_name:contains(SK/)",
            timeout: 30000,
        },
        {
            content: "of 25.00",
            trigger: ".o_fee_pay_status .o_fee_pay_amount:contains(25.00)",
        },
        {
            content: "with its PDF",
            trigger: ".o_fee_pay_status a.o_fee_pay_receipt_pdf[href*='report_type=pdf'][href*='access_token=']",
        },
    ],
});
