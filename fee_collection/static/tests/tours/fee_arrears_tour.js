/** @odoo-module **/

import { registry } from "@web/core/registry";

/**
 * A manager reads the month's arrears: the dashboard's headline figures, then the
 * analysis by branch and month behind them. The data (Zhou Min, two overdue invoices of
 * 88.00 in all, nothing paid) is made by test_arrears_tour.py.
 */
registry.category("web_tour.tours").add("fee_arrears_tour", {
    url: "/odoo/action-fee_collection.fee_arrears_dashboard_action",
    steps: () => [
        {
            content: "the dashboard shows what is overdue of the twelve months",
            trigger: ".o_form_view .o_field_widget[name=overdue]:contains(88.00)",
        },
        {
            content: "all of it: an arrears rate of 100 %",
            trigger: ".o_form_view .o_field_widget[name=arrears_rate]:contains(100.00)",
        },
        {
            content: "open the analysis behind the figures",
            trigger: ".o_form_view button[name=action_open_analysis]",
            run: "click",
        },
        {
            content: "the analysis by branch: the subscriber's branch",
            trigger: ".o_pivot .o_pivot_header_cell_closed:contains(North Branch)",
        },
        {
            content: "what the branch was billed and owes, 88.00",
            trigger: ".o_pivot tr:has(.o_pivot_header_cell_closed:contains(North Branch)) .o_pivot_cell_value:contains(88.00)",
        },
    ],
});
