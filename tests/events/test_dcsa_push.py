"""DCSA Track & Trace push: the carrier's signed notifications land as batches of its organisation."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from sqlalchemy import select
from tests.factories import login

from kouan.audit.models import AuditEntry
from kouan.events.formats import dcsa
from kouan.events.models import Event

SAMPLE = Path(__file__).parent.parent / "data" / "dcsa" / "tnt-v2.2.0-get-events-response.json"


def make_feed(client, world, **body):
    csrf = login(client, world.terminal.admin)
    r = client.post(f"/api/v1/organisations/{world.terminal.id}/dcsa-feeds",
                    json={"name": "carrier T&T", **body}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201, r.text
    client.cookies.clear()
    return r.json()


def test_a_signed_notification_is_stored_and_answered_204(client, world, kouan):
    feed = make_feed(client, world)
    body = SAMPLE.read_bytes()
    secret = base64.b64decode(feed["secret"])
    r = client.post(feed["callback_path"], content=body,
                    headers={"Notification-Signature": dcsa.sign(body, secret),
                             "Content-Type": "application/json"})
    assert r.status_code == 204 and r.content == b""
    with kouan.sessions() as s:
        sources = set(s.scalars(select(Event.source)))
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "ingest_batch.create")).one()
    assert sources == {"DCT"}
    assert audit.actor.startswith("dcsa-feed:")
    # The same notification again changes nothing.
    r = client.post(feed["callback_path"], content=body,
                    headers={"Notification-Signature": dcsa.sign(body, secret)})
    assert r.status_code == 204
    with kouan.sessions() as s:
        assert len(s.scalars(select(Event)).all()) == len(json.loads(body))


def test_a_wrong_or_missing_signature_is_refused_and_nothing_stored(client, world, kouan):
    feed = make_feed(client, world)
    body = SAMPLE.read_bytes()
    wrong = dcsa.sign(body, b"x" * 32)
    assert client.post(feed["callback_path"], content=body,
                       headers={"Notification-Signature": wrong}).status_code == 401
    assert client.post(feed["callback_path"], content=body).status_code == 401
    tampered = body.replace(b"ACT", b"EST", 1)
    good_for_original = dcsa.sign(body, base64.b64decode(feed["secret"]))
    assert client.post(feed["callback_path"], content=tampered,
                       headers={"Notification-Signature": good_for_original}).status_code == 401
    with kouan.sessions() as s:
        assert s.scalars(select(Event)).all() == []


def test_the_subscription_id_must_match_when_known(client, world):
    feed = make_feed(client, world, carrier_subscription_id="b80d923d-e8ac-4c34-9506-55d3de347034")
    body = b"[]"
    sig = dcsa.sign(body, base64.b64decode(feed["secret"]))
    assert client.post(feed["callback_path"], content=body, headers={
        "Notification-Signature": sig, "Subscription-ID": "someone-else"}).status_code == 401
    assert client.post(feed["callback_path"], content=body, headers={
        "Notification-Signature": sig,
        "Subscription-ID": "b80d923d-e8ac-4c34-9506-55d3de347034"}).status_code == 204


def test_a_deactivated_feed_no_longer_accepts(client, world):
    feed = make_feed(client, world)
    assert client.head(feed["callback_path"]).status_code == 204
    csrf = login(client, world.terminal.admin)
    client.post(f"/api/v1/dcsa-feeds/{feed['id']}/deactivate", headers={"X-CSRF-Token": csrf})
    body = b"[]"
    sig = dcsa.sign(body, base64.b64decode(feed["secret"]))
    assert client.post(feed["callback_path"], content=body,
                       headers={"Notification-Signature": sig}).status_code == 404
    assert client.head(feed["callback_path"]).status_code == 404


def test_only_the_organisations_admin_sets_up_a_feed_and_the_secret_is_never_listed(client, world):
    csrf = login(client, world.trader_a.admin)
    r = client.post(f"/api/v1/organisations/{world.terminal.id}/dcsa-feeds", json={"name": "x"},
                    headers={"X-CSRF-Token": csrf})
    assert r.status_code == 404
    client.cookies.clear()
    feed = make_feed(client, world, secret=base64.b64encode(b"k" * 32).decode())
    assert feed["secret"] == base64.b64encode(b"k" * 32).decode()
    login(client, world.terminal.admin)
    listed = client.get(f"/api/v1/organisations/{world.terminal.id}/dcsa-feeds").json()
    assert listed and all("secret" not in f for f in listed)


def test_a_short_or_non_base64_secret_is_refused_naming_the_field(client, world):
    csrf = login(client, world.terminal.admin)
    for bad in ("not base64!!", base64.b64encode(b"short").decode()):
        r = client.post(f"/api/v1/organisations/{world.terminal.id}/dcsa-feeds",
                        json={"name": "x", "secret": bad}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/secret"
