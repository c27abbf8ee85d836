"""Draught survey (水尺计重): cargo weight from a ship's drafts, pure arithmetic.

Follows the UNECE *Code of Uniform Standards and Procedures for the Performance of Draught Surveys
of Coal Cargoes* (ECE/ENERGY/19), the procedure every dry-bulk draught survey uses:

1. means of the port and starboard readings forward, midships and aft; apparent trim = aft − fwd;
2. corrections of the marks to the perpendiculars (and of the midship mark to midships):
   ``d · apparent trim / LBM``, LBM the length between the forward and aft marks;
3. the quarter mean (mean of mean of means) ``(F + A + 6·M) / 8``, the hog/sag-corrected draft at
   which the hydrostatic table is entered (linear interpolation between its rows);
4. first trim correction ``true trim (cm) · LCF · TPC / LBP`` (t; LCF from midships, positive aft,
   so it is negative when the LCF is forward of midships and the ship trims by the stern);
5. second trim correction ``50 · trim (m)² · (MCTC at +0.5 m − MCTC at −0.5 m) / LBP`` (t, always ≥ 0);
6. density correction: the table's displacement is for its density (1.025 t/m³): the displacement
   in the dock water is ``Δ · ρ_dock / ρ_table`` — a change of density alone scales it by that ratio;
7. net displacement = displacement − deductibles (ballast, fuel, fresh water, other, and the
   constant when the lightship is the reference); cargo = |final net − initial net|, compared with
   the declared weight: a difference beyond the tolerance (default 0.5 %, the accuracy usually
   credited to a well-run survey) is flagged.

Distances: the forward mark's from the forward perpendicular (positive when the mark is aft of
it), the aft mark's from the aft perpendicular (positive when forward of it), the midship mark's
from midships (positive when aft of it). Lengths in metres, weights in tonnes.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

TABLE_DENSITY = 1.025
DEFAULT_TOLERANCE = 0.005


@dataclass(frozen=True)
class Readings:
    fwd_port: float
    fwd_stbd: float
    mid_port: float
    mid_stbd: float
    aft_port: float
    aft_stbd: float


@dataclass(frozen=True)
class Marks:
    lbp: float
    fwd_distance: float
    aft_distance: float
    mid_distance: float = 0.0


@dataclass(frozen=True)
class Row:
    """One row of the ship's hydrostatic table (at the table's density). A value the survey never
    reads at this draft may be None."""

    draft: float
    displacement: float | None = None
    tpc: float | None = None
    lcf: float | None = None  # m from midships, positive aft
    mctc: float | None = None


@dataclass(frozen=True)
class Corrected:
    fwd: float
    aft: float
    mid: float
    apparent_trim: float
    true_trim: float
    quarter_mean: float


@dataclass(frozen=True)
class Displacement:
    table: float  # at the quarter mean, from the table
    first_trim: float
    second_trim: float
    at_table_density: float
    density: float
    value: float  # in the dock water


@dataclass(frozen=True)
class Survey:
    corrected: Corrected
    displacement: Displacement
    deductibles: dict[str, float] = field(default_factory=dict)

    @property
    def net(self) -> float:
        return self.displacement.value - sum(self.deductibles.values())


def correct(r: Readings, m: Marks) -> Corrected:
    fwd, mid, aft = (
        (r.fwd_port + r.fwd_stbd) / 2,
        (r.mid_port + r.mid_stbd) / 2,
        (r.aft_port + r.aft_stbd) / 2,
    )
    apparent = aft - fwd
    lbm = m.lbp - m.fwd_distance - m.aft_distance
    if lbm <= 0:
        raise ValueError("the marks' distances leave no length between the marks")
    f = fwd - m.fwd_distance * apparent / lbm
    a = aft + m.aft_distance * apparent / lbm
    md = mid - m.mid_distance * apparent / lbm
    return Corrected(f, a, md, apparent, a - f, (f + a + 6 * md) / 8)


def interpolate(table: list[Row], draft: float, column: str) -> float:
    """Linear interpolation of ``column`` between the rows around ``draft`` that state it."""
    rows = sorted((r for r in table if getattr(r, column) is not None), key=lambda r: r.draft)
    drafts = [r.draft for r in rows]
    if not rows or draft < drafts[0] or draft > drafts[-1]:
        raise ValueError(f"draft {draft:.4f} m is outside the hydrostatic table's {column}")
    i = bisect_right(drafts, draft)
    if i == len(rows):
        return float(getattr(rows[-1], column))
    lo, hi = rows[i - 1], rows[i]
    v0, v1 = float(getattr(lo, column)), float(getattr(hi, column))
    return v0 + (v1 - v0) * (draft - lo.draft) / (hi.draft - lo.draft)


def displacement(
    table: list[Row],
    *,
    quarter_mean: float,
    true_trim: float,
    lbp: float,
    density: float,
    table_density: float = TABLE_DENSITY,
) -> Displacement:
    base = interpolate(table, quarter_mean, "displacement")
    tpc = interpolate(table, quarter_mean, "tpc")
    lcf = interpolate(table, quarter_mean, "lcf")
    first = true_trim * 100 * lcf * tpc / lbp
    dm_dz = interpolate(table, quarter_mean + 0.5, "mctc") - interpolate(table, quarter_mean - 0.5, "mctc")
    second = 50 * true_trim**2 * dm_dz / lbp
    at_table = base + first + second
    return Displacement(base, first, second, at_table, density, at_table * density / table_density)


def survey(
    readings: Readings,
    marks: Marks,
    table: list[Row],
    *,
    density: float,
    deductibles: dict[str, float] | None = None,
    table_density: float = TABLE_DENSITY,
) -> Survey:
    c = correct(readings, marks)
    d = displacement(
        table,
        quarter_mean=c.quarter_mean,
        true_trim=c.true_trim,
        lbp=marks.lbp,
        density=density,
        table_density=table_density,
    )
    return Survey(c, d, dict(deductibles or {}))


@dataclass(frozen=True)
class Result:
    cargo: float
    declared: float
    difference: float  # cargo − declared
    tolerance: float  # a fraction of the declared weight
    flagged: bool


def cargo(initial: Survey, final: Survey, *, declared: float, tolerance: float = DEFAULT_TOLERANCE) -> Result:
    weight = abs(final.net - initial.net)
    diff = weight - declared
    return Result(weight, declared, diff, tolerance, abs(diff) > tolerance * declared)


def from_dict(data: dict) -> tuple[Survey, Survey, Result]:
    """The survey from a record's JSON (the API's and CLI's shape)."""
    marks = Marks(**{k: float(v) for k, v in data["marks"].items()})
    table = [
        Row(**{k: (None if v is None else float(v)) for k, v in r.items()}) for r in data["hydrostatics"]
    ]

    def one(part: dict) -> Survey:
        return survey(
            Readings(**{k: float(v) for k, v in part["readings"].items()}),
            marks,
            table,
            density=float(part["density"]),
            deductibles={k: float(v) for k, v in part.get("deductibles", {}).items()},
            table_density=float(data.get("table_density", TABLE_DENSITY)),
        )

    initial, final = one(data["initial"]), one(data["final"])
    return (
        initial,
        final,
        cargo(
            initial,
            final,
            declared=float(data["declared_weight"]),
            tolerance=float(data.get("tolerance", DEFAULT_TOLERANCE)),
        ),
    )
