/** @odoo-module **/

import { registry } from "@web/core/registry";

/**
 * An accountant at the desk: a subscriber calls about a bank transfer. Find the subscriber
 * by phone number in the subscriber files, open the file, register the payment of what is
 * overdue. The data (Zhou Min, mobile 13905140001, two overdue invoices of 88.00 in all) is
 * made by test_accountant_tour.py, which checks the payment afterwards.
 */
registry.category("web_tour.tours").add("fee_accountant_tour", {
    url: "/odoo/action-fee_collection.res_partner_action_subscriber",
    steps: () => [
        {
            content: "search the subscriber files by phone number",
            trigger: ".o_searchview_input",
            run: "edit 13905140001 && press Enter",
        },
        {
            content: "only the caller is found",
            trigger: ".o_list_view .o_data_row:only-child:contains(Zhou Min)",
        },
        {
            content: "open the subscriber's file",
            trigger: ".o_data_row:contains(Zhou Min) .o_data_cell[name=name]",
            run: "click",
        },
        {
            content: "the file shows what is overdue first",
            trigger: ".o_form_view .alert-warning:contains(Overdue):contains(88.00)",
        },
        {
            content: "register the payment from the file",
            trigger: ".o_form_view button[name=action_fee_register_payment]",
            run: "click",
        },
        {
            content: "Odoo's payment dialog, one payment for both invoices",
            trigger: ".modal .o_field_widget[name=amount] input",
            run: function () {
                const amount = this.anchor.value.replace(/[^\d.]/g, "");
                if (Number(amount) !== 88) {
                    throw new Error(`the dialog should propose 88.00, not ${amount}`);
                }
            },
        },
        {
            content: "create the payment",
            trigger: ".modal button[name=action_create_payments]",
            run: "click",
        },
        {
            content: "nothing is overdue any more",
            trigger: ".o_form_view:not(:has(.modal)):not(:has(.alert-warning:contains(Overdue)))",
        },
    ],
});
