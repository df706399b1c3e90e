from . import (
    account_move_reversal,
    account_payment_register,
    fee_arrears_as_of,
    fee_collection_outcome,
    fee_collector_progress,
    fee_collector_reassign,
    fee_counter_payment,
    fee_late_fee_waive,
    fee_receipt_void,
    fee_refund_reject,
    fee_settings,
    fee_subscription_suspend,
)
