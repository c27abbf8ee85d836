"""The draught survey reproduces a published worked example to the tonne, and a change of the
dock-water density alone scales the displacement by the ratio of the densities (UNECE Code of
Uniform Standards and Procedures for the Performance of Draught Surveys of Coal Cargoes)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kouan.inspection import draft_survey as ds
from kouan.inspection.draft_survey import Marks, Readings, Row

# Source: UK P&I Club, "Bulk Matters" (2009), draught survey chapter, p. 26 — the worked example:
# https://www.yumpu.com/en/document/view/22966127/bulk-matters-uk-pi/26
# Quarter-mean draught 5.0357 m, true trim 1.0173 m by the stern, LBP 181.8 m; the hydrostatic
# rows around 5.0357 m and around ±0.5 m of it (for the MCTC); dock water 1.0185 t/m³.
# Published: displacement 19894.37 t, TPC 42.338, LCF −4.331 m (forward of midships), MCTC
# 445.89 / 435.26, first trim correction −102.61 t, second +3.03 t, corrected displacement in salt
# water 19794.79 t, true displacement 19669.26 t.
P_AND_I_TABLE = [
    Row(4.50, mctc=434.9), Row(4.60, mctc=435.9),
    Row(5.00, displacement=19743, tpc=42.32, lcf=-4.354),
    Row(5.10, displacement=20167, tpc=42.37, lcf=-4.289),
    Row(5.50, mctc=445.5), Row(5.60, mctc=446.6),
]


def test_the_uk_p_and_i_worked_example_to_the_tonne():
    d = ds.displacement(P_AND_I_TABLE, quarter_mean=5.0357, true_trim=1.0173, lbp=181.8, density=1.0185)
    assert round(d.table, 2) == pytest.approx(19894.37, abs=0.01)
    assert round(ds.interpolate(P_AND_I_TABLE, 5.0357, "tpc"), 3) == 42.338
    assert round(ds.interpolate(P_AND_I_TABLE, 5.0357, "lcf"), 3) == -4.331
    assert round(d.first_trim) == round(-102.61) and d.first_trim == pytest.approx(-102.61, abs=0.05)
    assert d.second_trim == pytest.approx(3.03, abs=0.01)
    assert round(d.at_table_density) == round(19794.79)
    assert round(d.value) == round(19669.26) and d.value == pytest.approx(19669.26, abs=0.1)


def test_the_marks_are_corrected_to_the_perpendiculars_and_the_quarter_mean_weighs_midships_six():
    # By the stern 1.20 m at the marks; marks 2.0 m aft of the FP, 6.0 m forward of the AP, the
    # midship mark 1.0 m aft of midships; LBP 180 m: LBM 172 m.
    r = Readings(fwd_port=4.40, fwd_stbd=4.40, mid_port=5.02, mid_stbd=4.98, aft_port=5.60, aft_stbd=5.60)
    c = ds.correct(r, Marks(lbp=180.0, fwd_distance=2.0, aft_distance=6.0, mid_distance=1.0))
    assert c.apparent_trim == pytest.approx(1.20)
    assert c.fwd == pytest.approx(4.40 - 2.0 * 1.20 / 172)
    assert c.aft == pytest.approx(5.60 + 6.0 * 1.20 / 172)
    assert c.mid == pytest.approx(5.00 - 1.0 * 1.20 / 172)
    assert c.true_trim == pytest.approx(c.aft - c.fwd) and c.true_trim > c.apparent_trim
    assert c.quarter_mean == pytest.approx((c.fwd + c.aft + 6 * c.mid) / 8)


TABLE = [Row(d / 10, displacement=10000 + 450 * (d - 30), tpc=45 + (d - 30) * 0.01, lcf=-2.0 + (d - 30) * 0.01,
             mctc=400 + (d - 30) * 1.5) for d in range(30, 131)]
MARKS = Marks(lbp=180.0, fwd_distance=2.0, aft_distance=6.0, mid_distance=0.5)


def _readings(f: float, m: float, a: float) -> Readings:
    return Readings(f, f, m, m, a, a)


def test_cargo_against_the_declared_weight_flags_a_difference_beyond_the_tolerance():
    light = ds.survey(_readings(5.0, 5.5, 6.0), MARKS, TABLE, density=1.020,
                      deductibles={"ballast": 3000, "fuel": 800, "fresh_water": 200, "constant": 300})
    loaded = ds.survey(_readings(10.8, 11.0, 11.2), MARKS, TABLE, density=1.020,
                       deductibles={"ballast": 300, "fuel": 700, "fresh_water": 150, "constant": 300})
    weight = loaded.net - light.net
    ok = ds.cargo(light, loaded, declared=weight * 1.004)
    assert ok.cargo == pytest.approx(weight) and not ok.flagged
    off = ds.cargo(light, loaded, declared=weight * 1.02)
    assert off.flagged and off.difference == pytest.approx(weight - weight * 1.02)


def test_a_draft_outside_the_table_is_refused():
    with pytest.raises(ValueError, match="outside"):
        ds.survey(_readings(14.0, 14.0, 14.0), MARKS, TABLE, density=1.025)


@given(f=st.floats(4.5, 10.0), trim=st.floats(-1.0, 2.5), sag=st.floats(-0.1, 0.1),
       rho1=st.floats(0.995, 1.030), rho2=st.floats(0.995, 1.030))
def test_a_change_of_density_alone_scales_the_displacement_by_the_ratio_of_densities(f, trim, sag, rho1, rho2):
    r = _readings(f, f + trim / 2 + sag, f + trim)
    one = ds.survey(r, MARKS, TABLE, density=rho1).displacement
    two = ds.survey(r, MARKS, TABLE, density=rho2).displacement
    assert one.at_table_density == two.at_table_density  # the drafts' corrections do not move
    assert math.isclose(two.value / one.value, rho2 / rho1, rel_tol=1e-12)
    assert math.isclose(one.value, one.at_table_density * rho1 / ds.TABLE_DENSITY, rel_tol=1e-12)
