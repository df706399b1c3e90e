from . import fee_pay, portal_agent, portal_subscriber
