"""The hotline end to end against the real database and a local Graph API stand-in."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.reports.evidence import stored_file
from geo.reports.models import Evidence, Report, ReportEvidence
from geo.reports.privacy import decrypt_identity, reporter_hash
from geo.settings import Settings
from geo.whatsapp import close_due_conversations, purge_deliveries, receive_delivery, send_replies
from geo.whatsapp.graph import GraphClient
from geo.whatsapp.models import Conversation, Delivery, Message
from tests.geo.reports.conftest import make_jpeg
from tests.geo.whatsapp.conftest import Desk
from tests.geo.whatsapp.fakes import (
    BUDI,
    PHONE_NUMBER_ID,
    SITI,
    T0,
    GraphStandIn,
    delivery,
    document,
    image,
    location,
    mp4,
    ogg_opus,
    status,
    text,
    unknown,
    video,
    voice,
)

START = dt.datetime.fromtimestamp(T0, tz=dt.UTC)


def _report(session: Session, code: str) -> Report:
    report = session.scalar(select(Report).where(Report.code == code))
    assert report is not None
    return report


def _evidence(session: Session, report: Report) -> list[Evidence]:
    return list(
        session.scalars(
            select(Evidence)
            .join(ReportEvidence, ReportEvidence.sha256 == Evidence.sha256)
            .where(ReportEvidence.report_id == report.id)
        )
    )


def test_a_multi_message_conversation_becomes_exactly_one_report(
    session: Session, desk: Desk, graph: GraphStandIn, wsettings: Settings
) -> None:
    photo = make_jpeg()  # forwarded: WhatsApp strips EXIF
    graph.media["m-photo"] = (photo, "image/jpeg")
    graph.media["m-video"] = (mp4(), "video/mp4")
    first = desk.deliver(delivery(text("wamid.1", "Ada ekskavator menggali di pinggir sungai", T0)))
    assert first.messages == 1 and first.reports == [] and graph.sent == []
    desk.deliver(
        delivery(
            image("wamid.2", "m-photo", T0 + 60, caption="tadi pagi"),
            video("wamid.3", "m-video", T0 + 70),
        )
    )
    desk.deliver(delivery(location("wamid.4", -0.42, 117.0, T0 + 120, name="Loa Kulu")))
    out = desk.deliver(delivery(text("wamid.5", "Selesai", T0 + 180)))

    assert len(out.reports) == 1
    report = _report(session, out.reports[0])
    assert report.channel == "hotline"
    assert report.location_source == "map_pin"
    assert report.location_text == "Loa Kulu, Kutai Kartanegara, Kalimantan Timur"
    assert report.description == "Ada ekskavator menggali di pinggir sungai\ntadi pagi"
    assert report.confidentiality == "rahasia"
    assert report.external_id == "wa:wamid.1"
    assert report.received_at == START
    assert decrypt_identity(report.reporter_phone_enc, settings=wsettings) == BUDI[0]
    assert decrypt_identity(report.reporter_name_enc, settings=wsettings) == BUDI[1]
    assert report.reporter_hash == reporter_hash(BUDI[0], settings=wsettings)
    assert BUDI[0].encode() not in bytes(report.reporter_phone_enc or b"")
    mimes = sorted(e.mime for e in _evidence(session, report))
    assert mimes == ["image/jpeg", "video/mp4"]
    assert session.scalar(select(func.count()).select_from(Report)) == 1
    conv = session.scalar(select(Conversation).where(Conversation.report_id == report.id))
    assert conv is not None and conv.status == "closed" and conv.close_reason == "closing_word"
    # The receipt: to the sender, from the hotline number, in Indonesian, with the code.
    assert len(graph.sent) == 1
    sent = graph.sent[0]
    assert sent["path"] == f"/v21.0/{PHONE_NUMBER_ID}/messages"
    assert sent["to"] == BUDI[0] and sent["type"] == "text"
    assert report.code in sent["text"]["body"] and "kode" in sent["text"]["body"]
    # A later message starts a new draft; it does not reopen the report.
    desk.deliver(delivery(text("wamid.6", "Satu lagi", T0 + 240)))
    assert session.scalar(select(func.count()).select_from(Report)) == 1
    assert (
        session.scalar(
            select(func.count()).select_from(Conversation).where(Conversation.status == "open")
        )
        == 1
    )


def test_forwarded_photo_without_exif_and_text_closes_as_described_place_when_idle(
    session: Session, desk: Desk, graph: GraphStandIn, wsettings: Settings
) -> None:
    graph.media["m-fwd"] = (make_jpeg(colour=(10, 200, 30)), "image/jpeg")
    desk.deliver(
        delivery(
            image("wamid.f1", "m-fwd", T0),
            text("wamid.f2", "Desa Bukit Pariaman, Tenggarong Seberang", T0 + 5),
        )
    )
    early = close_due_conversations(
        session=session, settings=wsettings, now=START + dt.timedelta(minutes=29)
    )
    assert early.reports == [] and early.replies == []
    out = close_due_conversations(
        session=session, settings=wsettings, now=START + dt.timedelta(minutes=31)
    )
    assert len(out.reports) == 1
    report = _report(session, out.reports[0])
    assert report.location_source == "described" and report.geom is None
    assert report.location_text == "Desa Bukit Pariaman, Tenggarong Seberang"
    assert "no_location" in report.flags
    (ev,) = _evidence(session, report)
    stored = stored_file(ev.path, settings=desk.settings)
    assert ev.exif_lat is None and stored.read_bytes() == graph.media["m-fwd"][0]
    conv = session.scalar(select(Conversation).where(Conversation.report_id == report.id))
    assert conv is not None and conv.close_reason == "idle"


def test_a_photo_sent_as_a_document_keeps_its_exif_point(
    session: Session, desk: Desk, graph: GraphStandIn
) -> None:
    graph.media["m-doc"] = (make_jpeg(lat=-0.5, lon=117.1), "image/jpeg")
    out = desk.deliver(
        delivery(
            document("wamid.d1", "m-doc", "IMG_2031.jpg", T0), text("wamid.d2", "kirim", T0 + 10)
        )
    )
    report = _report(session, out.reports[0])
    assert report.location_source == "exif"
    (ev,) = _evidence(session, report)
    assert ev.original_name == "IMG_2031.jpg"
    assert abs((ev.exif_lat or 0) + 0.5) < 1e-4


def test_a_voice_note_is_stored_as_evidence(
    session: Session, desk: Desk, graph: GraphStandIn
) -> None:
    note = ogg_opus(b"suara")
    graph.media["m-voice"] = (note, "audio/ogg")
    out = desk.deliver(
        delivery(
            voice("wamid.v1", "m-voice", T0),
            location("wamid.v2", -0.42, 117.0, T0 + 1),
            text("wamid.v3", "selesai", T0 + 2),
        )
    )
    report = _report(session, out.reports[0])
    (ev,) = _evidence(session, report)
    assert ev.mime == "audio/ogg" and ev.path.endswith(".ogg")
    assert stored_file(ev.path, settings=desk.settings).read_bytes() == note
    message = session.get(Message, "wamid.v1")
    assert message is not None and message.evidence_sha256 == ev.sha256


def test_status_updates_are_ignored_without_error(
    session: Session, desk: Desk, graph: GraphStandIn
) -> None:
    out = desk.deliver(delivery(statuses=[status("wamid.out1"), status("wamid.out1", "read")]))
    assert out.deliveries == 1 and out.messages == 0 and graph.sent == []
    stored = session.scalars(select(Delivery)).one()
    assert stored.processed_at is not None and stored.error is None
    assert session.scalar(select(func.count()).select_from(Message)) == 0


def test_a_duplicate_delivery_is_stored_once_and_a_message_once_by_wamid(
    session: Session, desk: Desk, wsettings: Settings
) -> None:
    body = delivery(text("wamid.x1", "Truk batubara lewat malam hari", T0))
    raw = json.dumps(body).encode()
    assert receive_delivery(session=session, body=raw, settings=wsettings).created
    again = receive_delivery(session=session, body=raw, settings=wsettings)
    assert not again.created
    assert session.scalar(select(func.count()).select_from(Delivery)) == 1
    # The raw body is kept for audit, encrypted: the number is not in it in clear.
    sealed = session.scalars(select(Delivery.body_enc)).one()
    assert BUDI[0].encode() not in bytes(sealed)
    assert json.loads(decrypt_identity(sealed, settings=wsettings) or "") == body
    # The same message inside another delivery (a retry batched differently).
    desk.deliver(body)
    out = desk.deliver(
        delivery(
            text("wamid.x1", "Truk batubara lewat malam hari", T0),
            text("wamid.x2", "anonim", T0 + 3),
        )
    )
    assert out.messages == 1
    assert session.scalar(select(func.count()).select_from(Message)) == 2


def test_an_unknown_message_type_does_not_fail_the_delivery(session: Session, desk: Desk) -> None:
    out = desk.deliver(delivery(unknown("wamid.u1", T0), text("wamid.u2", "Ada tambang", T0 + 1)))
    assert out.messages == 2
    assert session.scalars(select(Delivery)).one().error is None
    kept = session.get(Message, "wamid.u1")
    assert kept is not None and kept.kind == "unsupported" and kept.body is None


def test_a_draft_without_location_asks_for_it_once_then_is_stored_for_follow_up(
    session: Session, desk: Desk, graph: GraphStandIn, wsettings: Settings
) -> None:
    graph.media["m-bare"] = (make_jpeg(colour=(1, 2, 3)), "image/jpeg")
    out = desk.deliver(
        delivery(image("wamid.n1", "m-bare", T0), text("wamid.n2", "selesai", T0 + 5)),
        now=START + dt.timedelta(seconds=10),
    )
    assert out.reports == []
    assert len(graph.sent) == 1
    request = graph.sent[0]["text"]["body"]
    assert "lokasi" in request.lower() and "PTM-" not in request
    conv = session.scalars(select(Conversation)).one()
    assert conv.status == "open" and conv.location_requested_at is not None
    later = close_due_conversations(
        session=session, settings=wsettings, now=START + dt.timedelta(minutes=45)
    )
    assert len(later.reports) == 1
    report = _report(session, later.reports[0])
    assert report.location_source == "described" and "no_location" in report.flags
    assert report.location_text == "Lokasi tidak disebutkan lewat WhatsApp; hubungi pelapor"
    assert conv.status == "closed"


def test_the_anonymous_keyword_makes_the_report_anonim(session: Session, desk: Desk) -> None:
    out = desk.deliver(
        delivery(
            text("wamid.a1", "Tambang emas di Desa Long Lalang", T0),
            text("wamid.a2", "Saya mau anonim", T0 + 1),
            text("wamid.a3", "selesai", T0 + 2),
        )
    )
    report = _report(session, out.reports[0])
    assert report.confidentiality == "anonim"


def test_the_24_hour_cap_closes_a_draft_that_never_goes_idle(
    session: Session, desk: Desk, wsettings: Settings
) -> None:
    for i in range(51):  # every 29 minutes: never idle; message 50 comes at 24h10m
        desk.deliver(
            delivery(text(f"wamid.c{i}", f"Kabar ke-{i} dari Sungai Mahakam", T0 + i * 29 * 60))
        )
    conv = session.scalars(select(Conversation)).all()
    assert len(conv) == 2
    first, second = sorted(conv, key=lambda c: c.id)
    assert first.status == "closed" and first.close_reason == "cap"
    assert second.status == "open"
    assert (
        session.scalar(
            select(func.count()).select_from(Message).where(Message.conversation_id == first.id)
        )
        == 50
    )
    # The worker's periodic step closes at the cap too, without a new message.
    out = close_due_conversations(
        session=session, settings=wsettings, now=START + dt.timedelta(hours=48, minutes=20)
    )
    assert len(out.reports) == 1 and second.close_reason == "cap"


def test_media_downloads_are_retried_and_a_lost_file_does_not_lose_the_message(
    session: Session, desk: Desk, graph: GraphStandIn
) -> None:
    graph.media["m-flaky"] = (make_jpeg(colour=(9, 9, 9)), "image/jpeg")
    graph.failures["m-flaky"] = 2  # two 500s, then the file
    graph.media["m-gone"] = (make_jpeg(colour=(8, 8, 8)), "image/jpeg")
    graph.failures["m-gone"] = 99
    desk.deliver(delivery(image("wamid.r1", "m-flaky", T0), image("wamid.r2", "m-gone", T0 + 1)))
    flaky, gone = session.get(Message, "wamid.r1"), session.get(Message, "wamid.r2")
    assert flaky is not None and flaky.evidence_sha256 is not None
    assert gone is not None and gone.evidence_sha256 is None
    assert gone.media_error == "download_failed"
    assert graph.unauthorised == 0


def test_a_file_that_is_not_evidence_is_refused_and_the_message_kept(
    session: Session, desk: Desk, graph: GraphStandIn
) -> None:
    graph.media["m-pdf"] = (b"%PDF-1.4 not evidence", "application/pdf")
    desk.deliver(delivery(document("wamid.p1", "m-pdf", "surat.pdf", T0)))
    kept = session.get(Message, "wamid.p1")
    assert kept is not None and kept.media_error == "refused" and kept.evidence_sha256 is None


def test_a_decompression_bomb_is_refused_and_the_message_kept(
    session: Session, desk: Desk, graph: GraphStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    buffer = io.BytesIO()
    Image.new("L", (200, 200)).save(buffer, "PNG")
    graph.media["m-bomb"] = (buffer.getvalue(), "image/png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 40,000 pixels is then a bomb
    desk.deliver(delivery(image("wamid.bomb", "m-bomb", T0)))
    kept = session.get(Message, "wamid.bomb")
    assert kept is not None and kept.media_error == "refused" and kept.evidence_sha256 is None


def test_replies_carry_only_the_senders_own_data(
    session: Session, desk: Desk, graph: GraphStandIn
) -> None:
    desk.deliver(delivery(text("wamid.b1", "Tambang pasir di Sungai Kelinjau", T0), sender=BUDI))
    desk.deliver(delivery(text("wamid.s1", "Tambang emas di Long Pahangai", T0 + 1), sender=SITI))
    desk.deliver(delivery(text("wamid.s2", "selesai", T0 + 2), sender=SITI))
    desk.deliver(delivery(text("wamid.b2", "selesai", T0 + 3), sender=BUDI))
    assert [m["to"] for m in graph.sent] == [SITI[0], BUDI[0]]
    codes = {r.reporter_hash: r.code for r in session.scalars(select(Report))}
    for message, me, other in ((graph.sent[0], SITI, BUDI), (graph.sent[1], BUDI, SITI)):
        body = json.dumps(message)
        own = codes[reporter_hash(me[0], settings=desk.settings)]
        theirs = codes[reporter_hash(other[0], settings=desk.settings)]
        assert own in body and theirs not in body
        for private in (other[0], other[1], me[1], "Kelinjau", "Pahangai"):
            assert private not in body


def test_send_replies_uses_the_token_and_survives_an_unreachable_graph(
    wsettings: Settings,
) -> None:
    from geo.whatsapp.replies import Reply

    dead = wsettings.whatsapp.model_copy(update={"graph_url": "http://127.0.0.1:9/v21.0"})
    client = GraphClient(dead, sleep=lambda s: None)
    try:
        reply = Reply(BUDI[0], PHONE_NUMBER_ID, "x", "receipt")
        assert send_replies([reply], client=client) == 0
    finally:
        client.close()


def test_raw_deliveries_are_purged_after_the_retention_time(
    session: Session, desk: Desk, wsettings: Settings
) -> None:
    desk.deliver(delivery(text("wamid.old", "lama", T0)))
    now = dt.datetime.now(dt.UTC)
    assert purge_deliveries(session=session, settings=wsettings, now=now) == 0
    later = now + dt.timedelta(days=wsettings.whatsapp.retention_days + 1)
    assert purge_deliveries(session=session, settings=wsettings, now=later) == 1
    assert session.get(Message, "wamid.old") is not None  # the messages stay


def test_a_pin_outside_indonesia_is_kept_as_a_described_place(session: Session, desk: Desk) -> None:
    out = desk.deliver(
        delivery(
            location("wamid.l1", 51.5, -0.12, T0, name="London"),
            text("wamid.l2", "selesai", T0 + 1),
        )
    )
    report = _report(session, out.reports[0])
    assert report.geom is None and report.location_source == "described"
    assert report.location_text == "51.5, -0.12, London, Kutai Kartanegara, Kalimantan Timur"


def test_status_updates_send_the_configured_template_once_per_status(
    session: Session, desk: Desk, graph: GraphStandIn, wsettings: Settings
) -> None:
    from geo.reports.lifecycle import transition
    from geo.whatsapp.service import status_updates

    templates = {"verified": "laporan_diverifikasi", "closed": "laporan_selesai"}
    configured = wsettings.model_copy(
        update={"whatsapp": wsettings.whatsapp.model_copy(update={"status_templates": templates})}
    )
    assert status_updates(session=session, settings=wsettings) == []  # none configured
    out = desk.deliver(
        delivery(
            text("wamid.t1", "Tambang di Desa Jembayan", T0), text("wamid.t2", "selesai", T0 + 1)
        )
    )
    desk.deliver(delivery(text("wamid.t3", "Tambang di Desa Sebulu", T0), sender=SITI))
    code = out.reports[0]
    assert status_updates(session=session, settings=configured) == []  # received: the receipt
    transition(session=session, code=code, to="verified", actor="test")
    updates = status_updates(session=session, settings=configured)
    assert [(u.to, u.template, u.body) for u in updates] == [
        (BUDI[0], "laporan_diverifikasi", code)
    ]
    assert status_updates(session=session, settings=configured) == []  # told once
    graph.sent.clear()
    send_replies(updates, client=desk.client)
    (sent,) = graph.sent
    assert sent["type"] == "template" and sent["to"] == BUDI[0]
    assert sent["template"]["name"] == "laporan_diverifikasi"
    assert sent["template"]["language"] == {"code": "id"}
    assert sent["template"]["components"][0]["parameters"] == [{"type": "text", "text": code}]
    assert SITI[0] not in json.dumps(sent) and BUDI[1] not in json.dumps(sent)


def test_two_workers_never_open_two_drafts_for_one_sender(
    fresh_database_url: str, wsettings: Settings, client: GraphClient
) -> None:
    import threading

    from geo import migrate
    from geo.db import make_engine, session_scope
    from geo.whatsapp import process_deliveries

    engine = make_engine(fresh_database_url)
    try:
        migrate.upgrade(engine)
        with session_scope(engine) as session:
            for i in (1, 2):  # the second takes the lock the first holds
                body = delivery(text(f"wamid.race{i}", f"pesan {i}", T0 + i))
                receive_delivery(
                    session=session, body=json.dumps(body).encode(), settings=wsettings
                )
        first = session_scope(engine)
        session_a = first.__enter__()
        process_deliveries(session=session_a, client=client, settings=wsettings, limit=1)

        def second() -> None:
            with session_scope(engine) as session_b:
                process_deliveries(session=session_b, client=client, settings=wsettings)

        worker = threading.Thread(target=second)
        worker.start()
        worker.join(1.0)
        assert worker.is_alive()  # waiting for the first worker's draft
        first.__exit__(None, None, None)
        worker.join(30)
        with session_scope(engine) as session:
            assert session.scalar(select(func.count()).select_from(Conversation)) == 1
            assert session.scalar(select(func.count()).select_from(Message)) == 2
            assert (
                session.scalar(
                    select(func.count()).select_from(Delivery).where(Delivery.error.is_not(None))
                )
                == 0
            )
    finally:
        engine.dispose()
