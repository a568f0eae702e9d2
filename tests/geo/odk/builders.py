"""Export zips and OData rows built to ODK Central's documented shapes, from the form's own names.

The column names are not typed by hand: they are the group paths of :func:`geo.odk.form.survey_rows`
(``visit-site``, ``findings-result``; geopoints split into ``-Latitude``/``-Longitude``/
``-Altitude``/``-Accuracy``), so a renamed field in the form breaks these tests.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

from geo.odk.form import FORM_ID, survey_rows

_META = ("start", "end")
_GEO = ("Latitude", "Longitude", "Altitude", "Accuracy")


def form_paths() -> dict[str, tuple[str, ...]]:
    """Map each question of the form to its group path (the repeat's questions excluded)."""
    paths: dict[str, tuple[str, ...]] = {}
    stack: list[str] = []
    in_repeat = 0
    for row in survey_rows(entity_list="sites"):
        kind, name = row["type"], row["name"]
        if kind == "begin_group":
            stack.append(name)
        elif kind == "end_group":
            stack.pop()
        elif kind == "begin_repeat":
            in_repeat += 1
            stack.append(name)
        elif kind == "end_repeat":
            in_repeat -= 1
            stack.pop()
        elif not in_repeat and kind not in ("note",):
            paths[name] = (*stack, name)
    return paths


def repeat_name() -> tuple[str, str]:
    """The photo repeat's name and its image question's name."""
    rows = survey_rows(entity_list="sites")
    repeat = next(r["name"] for r in rows if r["type"] == "begin_repeat")
    image = next(r["name"] for r in rows if r["type"] == "image")
    return repeat, image


def central_columns() -> list[str]:
    """Header of Central's main CSV for the form (``-`` joins group paths)."""
    cols = ["SubmissionDate"]
    for name, path in form_paths().items():
        col = "-".join(path)
        if name == "location":
            cols += [f"{col}-{part}" for part in _GEO]
        else:
            cols.append(col)
    return cols + [
        "meta-instanceID",
        "KEY",
        "SubmitterID",
        "SubmitterName",
        "AttachmentsPresent",
        "AttachmentsExpected",
        "Status",
        "ReviewState",
        "DeviceID",
        "Edits",
        "FormVersion",
    ]


def submission(
    iid: str,
    *,
    site: str,
    result: str = "active",
    lat: float = -0.5,
    lon: float = 117.0,
    on: str = "2026-11-20",
    equipment: str = "excavator dredge",
    notes: str = "Lubang baru di tepi sungai",
    team: str = "TIM-1",
    photos: tuple[str, ...] = (),
    review: str = "",
) -> dict[str, Any]:
    """The values of one submission by field name (``photos`` goes to the repeat)."""
    return {
        "iid": iid,
        "site": site,
        "site_code": site,
        "site_kabupaten": "Kutai Kartanegara",
        "site_status": "Diduga",
        "site_priority": "3",
        "inspected_on": on,
        "team": team,
        "location": (lat, lon, 12.5, 4.0),
        "result": result,
        "equipment": equipment,
        "notes": notes,
        "start": f"{on}T08:00:00.000+08:00",
        "end": f"{on}T09:30:00.000+08:00",
        "photos": photos,
        "review": review,
    }


def _central_row(sub: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"SubmissionDate": f"{sub['inspected_on']}T04:00:00.000Z"}
    for name, path in form_paths().items():
        col = "-".join(path)
        if name == "location":
            row.update({f"{col}-{part}": v for part, v in zip(_GEO, sub["location"], strict=True)})
        else:
            row[col] = sub.get(name, "")
    row.update(
        {
            "meta-instanceID": sub["iid"],
            "KEY": sub["iid"],
            "SubmitterID": "7",
            "SubmitterName": "Tim Lapangan 1",
            "AttachmentsPresent": len(sub["photos"]),
            "AttachmentsExpected": len(sub["photos"]),
            "Status": "",
            "ReviewState": sub["review"],
            "DeviceID": "collect:abc",
            "Edits": "0",
            "FormVersion": "1",
        }
    )
    return row


def _csv(rows: list[dict[str, Any]], columns: list[str], delimiter: str = ",") -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def central_export(path: Path, subs: list[dict[str, Any]], media: dict[str, bytes]) -> Path:
    """Write Central's "CSV with media" zip: main CSV, the repeat's CSV, and ``media/``."""
    repeat, image = repeat_name()
    repeat_rows = [
        {image: name, "PARENT_KEY": s["iid"], "KEY": f"{s['iid']}/{repeat}[{i}]"}
        for s in subs
        for i, name in enumerate(s["photos"], start=1)
    ]
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(f"{FORM_ID}.csv", _csv([_central_row(s) for s in subs], central_columns()))
        z.writestr(f"{FORM_ID}-{repeat}.csv", _csv(repeat_rows, [image, "PARENT_KEY", "KEY"]))
        for name, content in media.items():
            z.writestr(f"media/{name}", content)
    return path


def kobo_export(path: Path, subs: list[dict[str, Any]], media: dict[str, bytes]) -> Path:
    """A KoboToolbox-style zip: ``;``-separated CSV, ``group/name`` headers, ``_uuid``, one
    geopoint cell, and media in a folder per submission."""
    paths = form_paths()
    columns = ["/".join(p) for p in paths.values()] + ["_uuid", "_submission_time", "_submitted_by"]
    rows = []
    for s in subs:
        row = {"/".join(p): s.get(n, "") for n, p in paths.items()}
        row["/".join(paths["location"])] = " ".join(str(v) for v in s["location"])
        row.update(
            {
                "_uuid": s["iid"].removeprefix("uuid:"),
                "_submission_time": f"{s['inspected_on']}T04:00:00",
                "_submitted_by": "tim2",
            }
        )
        rows.append(row)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("pantau_inspeksi.csv", _csv(rows, columns, delimiter=";"))
        for s in subs:
            for name in s["photos"]:
                if name in media:
                    bare = s["iid"].removeprefix("uuid:")
                    z.writestr(f"tim2/attachments/form1/{bare}/{name}", media[name])
    return path


def odata_row(sub: dict[str, Any]) -> dict[str, Any]:
    """One row of Central's OData ``Submissions`` with ``$expand=*`` (GeoJSON geopoint)."""
    repeat, image = repeat_name()
    lat, lon, alt, acc = sub["location"]
    row: dict[str, Any] = {
        "__id": sub["iid"],
        "__system": {
            "submissionDate": f"{sub['inspected_on']}T04:00:00.000Z",
            "submitterId": "7",
            "submitterName": "Tim Lapangan 1",
            "attachmentsPresent": len(sub["photos"]),
            "attachmentsExpected": len(sub["photos"]),
            "status": None,
            "reviewState": sub["review"] or None,
            "deviceId": "collect:abc",
            "edits": 0,
            "formVersion": "1",
        },
        "meta": {"instanceID": sub["iid"]},
        repeat: [
            {image: name, "__id": f"{sub['iid']}-{i}"} for i, name in enumerate(sub["photos"])
        ],
        f"{repeat}@odata.navigationLink": f"Submissions('{sub['iid']}')/{repeat}",
    }
    for name, path in form_paths().items():
        node = row
        for part in path[:-1]:
            node = node.setdefault(part, {})
        if name == "location":
            node[name] = {
                "type": "Point",
                "coordinates": [lon, lat, alt],
                "properties": {"accuracy": acc},
            }
        else:
            node[name] = sub.get(name) or None
    return row
