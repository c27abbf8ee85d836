"""The app's JSON answers: every float rounded at the edge (``kit.edge``), one place for all routes."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from kouan.kit import edge


class FigureJSONResponse(JSONResponse):
    """``JSONResponse`` whose floats carry the documented decimals (two for hours)."""

    def render(self, content: Any) -> bytes:
        return super().render(edge.rounded(content))
