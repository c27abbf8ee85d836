"""Words stored as codes and shown translated (``_(org.kind)`` in templates). Marked for Babel."""


def N_(message: str) -> str:  # noqa: N802 - Babel's conventional marker name
    return message


ORG_KINDS = (
    N_("operator"), N_("port_office"), N_("customs"), N_("trader"), N_("broker"), N_("terminal"),
    N_("shipping_line"), N_("rail_operator"), N_("fee_publisher"), N_("insurer"),
    N_("commerce_bureau"),
)
ROLES = (N_("admin"), N_("staff"), N_("viewer"))
PROBLEM_TITLES = (
    N_("Bad request"), N_("Invalid input"), N_("Not found"), N_("Conflict"),
    N_("Not authenticated"), N_("Forbidden"), N_("Method not allowed"), N_("Error"),
)
LOGIN_ERRORS = (N_("wrong username or password"), N_("this account is disabled"))
