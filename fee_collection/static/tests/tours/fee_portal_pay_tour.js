/** @odoo-module **/

import { registry } from "@web/core/registry";

/**
 * The subscriber of fee_pay_tour, logged in to the portal on a phone: their services
 * show the service suspended for arrears and what is due; *Pay Now* opens their pay
 * page, where they pay as in fee_pay_tour. Run by test_pay_tour.py.
 */
registry.category("web_tour.tours").add("fee_portal_pay_tour", {
    steps: () => [
        {
            content: "the service suspended for arrears is shown",
            trigger: ".o_fee_services:contains(TV-0001)",
        },
        {
            content: "pay all that is due",
            trigger: "a.o_fee_pay_all",
            run: "click",
        },
        ...registry.category("web_tour.tours").get("fee_pay_tour").steps(),
    ],
});
