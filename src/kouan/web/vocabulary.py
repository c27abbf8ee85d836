"""Words stored as codes and shown translated (``_(org.kind)`` in templates). Marked for Babel."""


def N_(message: str) -> str:  # noqa: N802 - Babel's conventional marker name
    return message


ORG_KINDS = (
    N_("operator"), N_("port_office"), N_("customs"), N_("trader"), N_("broker"), N_("terminal"),
    N_("shipping_line"), N_("rail_operator"), N_("fee_publisher"), N_("insurer"),
    N_("commerce_bureau"), N_("border_inspection"), N_("maritime"),
)
ROLES = (N_("admin"), N_("staff"), N_("viewer"))
PROBLEM_TITLES = (
    N_("Bad request"), N_("Invalid input"), N_("Not found"), N_("Conflict"),
    N_("Not authenticated"), N_("Forbidden"), N_("Method not allowed"), N_("Error"),
    N_("Illegal transition"), N_("Appointment refused"), N_("Payload too large"),
    N_("Content too large"), N_("Too many requests"),
)
LOGIN_ERRORS = (N_("wrong username or password"), N_("this account is disabled"))
MILESTONES = (
    N_("TRANSPORT_ENTRY_DECLARED"), N_("TRANSPORT_ARRIVED"), N_("TRANSPORT_DEPARTED"),
    N_("MANIFEST_FILED"), N_("GOODS_ARRIVED_AT_PORT"), N_("DISCHARGED"), N_("LOADED"),
    N_("DECLARATION_LODGED"), N_("DECLARATION_COMPLETED"), N_("INSPECTION_ORDERED"),
    N_("INSPECTION_DONE"), N_("CUSTOMS_HOLD"), N_("CUSTOMS_RELEASED"), N_("GATE_OUT"),
    N_("MARKET_RELEASED"), N_("OTHER"), N_("DECLARATION_ACCEPTED"), N_("DECLARATION_RETURNED"),
    N_("DECLARATION_CLOSED"), N_("TRANSPORT_CHECK_DONE"), N_("TRANSPORT_CLEARED"),
)
REF_KINDS = (N_("declaration"), N_("bill_of_lading"), N_("booking"), N_("container"), N_("transport_call"))
DECLARATION_STATUSES = (
    N_("draft"), N_("lodged"), N_("returned"), N_("accepted"), N_("inspection"), N_("held"),
    N_("port_released"), N_("released"), N_("closed"), N_("summary_lodged"), N_("summary_accepted"),
    N_("summary_inspection"), N_("goods_released"), N_("in_transit"),
)
DECLARATION_ACTIONS = (
    N_("lodge"), N_("lodge_summary"), N_("lodge_complete"), N_("accept"), N_("return"),
    N_("order_inspection"), N_("complete_inspection"), N_("release"), N_("match_arrival"),
    N_("release_goods"), N_("port_release"), N_("market_release"), N_("hold"), N_("unhold"),
    N_("fulfil_obligation"), N_("close"), N_("start_movement"), N_("arrive_movement"),
    N_("approve_store"),
)
FACILITATION_MODES = (
    N_("standard"), N_("advance"), N_("two_step"), N_("two_stage_admission"), N_("release_then_amend"),
    N_("declare_then_verify"), N_("release_before_inspection"), N_("ship_side_pickup"),
    N_("conditional_removal"), N_("zone_port_direct"),
)
OBLIGATION_KINDS = (N_("amend"), N_("verify"), N_("lab"))
