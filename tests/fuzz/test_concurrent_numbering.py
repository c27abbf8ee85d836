"""Found by bench/load.py: lodging from several workers at once answered 27 of 120 with 409, two
drafts having read the same highest declaration number. The loser now takes the next number."""

from __future__ import annotations

from tests.factories import login, valid_uscc

from kouan.declarations import service

DRAFT = {"direction": "I", "consignee_uscc": valid_uscc(1), "consignee_name": "甲贸易公司", "port": "CNDAL",
         "items": [{"hs_code": "2601111000", "description": "铁矿砂", "quantity": "10", "unit": "TNE",
                    "value": "100"}]}


def test_a_draft_that_read_a_number_taken_meanwhile_is_created_under_the_next_one(client, world, monkeypatch):
    headers = {"X-CSRF-Token": login(client, world.trader_a.admin)}
    first = client.post("/api/v1/declarations", json=DRAFT, headers=headers).json()["number"]
    real = service._allocate_number
    answers = iter([first])  # what a concurrent lodging read before the first one committed

    def racing(*args, **kwargs):  # type: ignore[no-untyped-def]
        return next(answers, None) or real(*args, **kwargs)

    monkeypatch.setattr(service, "_allocate_number", racing)
    r = client.post("/api/v1/declarations", json=DRAFT, headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["number"] == f"{first[:9]}{int(first[9:]) + 1:09d}"
    assert len(client.get("/api/v1/declarations", headers=headers).json()) == 2
