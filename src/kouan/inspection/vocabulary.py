"""Inspection words stored as codes and shown translated (``_(order.method)``). Marked for Babel."""


def N_(message: str) -> str:  # noqa: N802 - Babel's marker
    return message


LANES = (N_("release"), N_("documentary"), N_("inspection"), N_("post_release_audit"))
METHODS = (N_("physical"), N_("non_intrusive"), N_("remote_video"), N_("drone_draft_survey"), N_("lab"))
CAUSES = (N_("rule"), N_("draw"), N_("officer"), N_("obligation"))
OUTCOMES = (N_("conforming"), N_("finding"), N_("escalated"))
GREEN_CHANNELS = (N_("cold_chain"), N_("grain"), N_("energy"), N_("iron_ore"), N_("fertiliser"),
                  N_("fresh_produce"), N_("china_europe_railway"))
MESSAGES = (N_("the targeting rule is not valid"), N_("the inspection record is incomplete"),
            N_("remote video inspection is not open to this declaration"),
            N_("no inspection is open on this declaration"), N_("no targeting rule %(code)s"),
            N_("this targeting rule belongs to another customs district"))
