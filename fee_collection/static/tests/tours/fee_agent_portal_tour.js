/** @odoo-module **/

import { registry } from "@web/core/registry";

/**
 * A clerk of an agent outlet takes a payment on the portal, on a phone: from the portal's
 * home to the outlet's counter, find the subscriber by service number (TV-7001), see what
 * is due (45.00 on one invoice), type the amount received, collect, and land on the
 * receipt, which can be printed. The data is made by test_agent_portal.py, which checks
 * the receipt, the invoice and the print afterwards.
 */
registry.category("web_tour.tours").add("fee_agent_portal_tour", {
    url: "/my",
    steps: () => [
        {
            content: "open the outlet's counter from the portal's home",
            trigger: ".o_portal_index_card a[href='/my/agent/collect']",
            run: "click",
        },
        {
            content: "type the subscriber's service number",
            trigger: ".o_fee_agent_lookup input[name=service_number]",
            run: "edit TV-7001",
        },
        {
            content: "find the subscriber",
            trigger: ".o_fee_agent_lookup button[type=submit]",
            run: "click",
        },
        {
            content: "the subscriber's name and the invoice due are shown",
            trigger:
                ".o_fee_agent_due:has(.o_fee_agent_subscriber:contains(Gao Lan)):has(td:contains(45.00)) .o_fee_agent_total:contains(45.00)",
        },
        {
            content: "type the amount received",
            trigger: ".o_fee_agent_collect_form input[name=amount]",
            run: "edit 45",
        },
        {
            content: "collect",
            trigger: ".o_fee_agent_collect_form button[type=submit]",
            run: "click",
        },
        {
            content: "the receipt of 45.00 from the subscriber is shown",
            trigger:
                ".o_fee_agent_receipt:has(.o_fee_agent_subscriber:contains(Gao Lan)) .o_fee_agent_amount:contains(45.00)",
        },
        {
            content: "the receipt can be printed",
            trigger: ".o_fee_agent_receipt a.o_fee_agent_print[href*='report_type=pdf']",
        },
    ],
});
