"""Harmonized System sections: the commodity groups analytics report by (21 sections by chapter)."""

from __future__ import annotations

SECTIONS: tuple[tuple[int, int, str], ...] = (
    (1, 5, "animal"), (6, 14, "vegetable"), (15, 15, "fats"), (16, 24, "foodstuffs"),
    (25, 27, "mineral"), (28, 38, "chemicals"), (39, 40, "plastics"), (41, 43, "hides"),
    (44, 46, "wood"), (47, 49, "paper"), (50, 63, "textiles"), (64, 67, "footwear"),
    (68, 70, "stone_glass"), (71, 71, "precious"), (72, 83, "base_metals"), (84, 85, "machinery"),
    (86, 89, "vehicles"), (90, 92, "instruments"), (93, 93, "arms"), (94, 96, "miscellaneous"),
    (97, 97, "art"),
)

# Two-digit chapter → section name, e.g. "26" (ores) → "mineral".
CHAPTER_SECTION: dict[str, str] = {
    f"{chapter:02d}": name for lo, hi, name in SECTIONS for chapter in range(lo, hi + 1)
}


def commodity_group(hs_code: str | None) -> str | None:
    """The HS section of a commodity code, e.g. ``2601110000`` (iron ore) → ``mineral``."""
    if not hs_code or len(hs_code) < 2:
        return None
    return CHAPTER_SECTION.get(hs_code[:2])
