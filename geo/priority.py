"""One explainable priority score per site, with its components stored.

The score is a sum of points, each from one input, each capped, so that a reader can say why a
site ranks high ("12 points for recent reports, 20 for never being inspected..."):

``pts_reports``
    ``w_reports * min(R / reports_cap, 1)`` where ``R`` is the sum over the site's independent
    reports (duplicates and rejected reports left out) in the last ``lookback_days`` of
    ``0.5 ** (age_days / half_life_days)``: a report today counts 1, one a half-life old 0.5.
``pts_reporters``, ``pts_channels``
    ``w * min(n / cap, 1)`` for the distinct reporters (a report with no reporter hash counts
    as its own reporter) and the distinct channels among those reports.
``pts_inspection``
    ``w_inspection * min(days_since_inspection / inspection_cap_days, 1)``; full points when
    the site was never inspected.
``pts_status``, ``pts_commodity``
    ``w * factor`` from the tables ``status_factors`` and ``commodity_factors``.

With the default weights the points add up to at most 100. Every weight, cap and factor is a
setting (``PANTAU_PRIORITY_*``; the factor tables as JSON).

Examples
--------
>>> from geo.priority import compute_priority, load_priority
>>> frame = compute_priority(session=session, as_of=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
>>> bool(frame["score"].between(0, 100).all())
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Mapping
from typing import Any

import pandas as pd
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from geo.db import default_engine
from geo.errors import ValidationError
from geo.settings import PrioritySettings, get_settings

__all__ = [
    "PrioritySettings",
    "COMPONENTS",
    "EXPLAIN_INPUTS",
    "compute_priority",
    "corroboration",
    "explain",
    "load_priority",
]

#: The stored point columns, in the order the reasons list them when tied.
COMPONENTS: tuple[str, ...] = (
    "pts_reports",
    "pts_reporters",
    "pts_channels",
    "pts_inspection",
    "pts_status",
    "pts_commodity",
)

_COLUMNS: tuple[str, ...] = (
    "site_id",
    "code",
    "name",
    "score",
    "rank",
    "recent_reports",
    "independent_reports",
    "reporter_count",
    "channel_count",
    "days_since_inspection",
    "status",
    "commodity",
    *COMPONENTS,
    "reasons",
    "as_of",
)


_AGGREGATES = """
SELECT s.id AS site_id, s.code, s.name, s.status, s.commodity, s.last_inspected,
       coalesce(sum(power(0.5, extract(epoch FROM (:as_of - t.at)) / 86400.0 / :half_life))
                FILTER (WHERE t.at >= :since), 0) AS recent_reports,
       count(t.id) AS independent_reports,
       count(DISTINCT t.who) FILTER (WHERE t.at >= :since) AS reporter_count,
       count(DISTINCT t.channel) FILTER (WHERE t.at >= :since) AS channel_count
  FROM sites s
  LEFT JOIN (
        SELECT r.id, m.site_id AS matched_site_id, r.channel,
               coalesce(r.observed_at, r.received_at) AS at,
               coalesce(r.reporter_hash, 'report:' || r.id) AS who
          FROM reports r JOIN report_matches m ON m.report_id = r.id
         WHERE r.duplicate_of_id IS NULL AND r.status <> 'rejected'
           AND m.site_id IS NOT NULL
           AND coalesce(r.observed_at, r.received_at) <= :as_of
       ) t ON t.matched_site_id = s.id
 GROUP BY s.id
"""


def _points(frame: pd.DataFrame, cfg: PrioritySettings, as_of: dt.datetime) -> pd.DataFrame:
    def capped(values: pd.Series, cap: float) -> pd.Series:
        return (values.astype(float) / cap).clip(upper=1.0)

    out = frame.copy()
    today = as_of.date()
    out["days_since_inspection"] = pd.array(
        [None if pd.isna(d) else (today - d).days for d in out["last_inspected"]], dtype="Int64"
    )
    days = pd.to_numeric(out["days_since_inspection"], errors="coerce")
    out["pts_reports"] = cfg.w_reports * capped(out["recent_reports"], cfg.reports_cap)
    out["pts_reporters"] = cfg.w_reporters * capped(out["reporter_count"], cfg.reporters_cap)
    out["pts_channels"] = cfg.w_channels * capped(out["channel_count"], cfg.channels_cap)
    out["pts_inspection"] = cfg.w_inspection * capped(
        days.fillna(cfg.inspection_cap_days).clip(lower=0), cfg.inspection_cap_days
    )
    out["pts_status"] = cfg.w_status * out["status"].map(cfg.status_factors).fillna(0.0)
    out["pts_commodity"] = cfg.w_commodity * out["commodity"].map(cfg.commodity_factors).fillna(
        0.0
    )
    out["score"] = out[list(COMPONENTS)].sum(axis=1).round(6)
    out = out.sort_values(["score", "code"], ascending=[False, True]).reset_index(drop=True)
    out["rank"] = range(1, len(out) + 1)
    out["reasons"] = [_reasons(row) for row in out.to_dict("records")]
    return out


#: The inputs :func:`explain` needs besides the points (``pts_*``).
EXPLAIN_INPUTS: tuple[str, ...] = (
    "recent_reports",
    "reporter_count",
    "channel_count",
    "days_since_inspection",
    "status",
    "commodity",
)

_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "pts_reports": "{recent_reports:.1f} recent reports (decayed)",
        "pts_reporters": "{reporter_count} reporters",
        "pts_channels": "{channel_count} channels",
        "never": "never inspected",
        "days": "{days} days since inspection",
        "pts_status": "status {status}",
        "pts_commodity": "commodity {commodity}",
        "none": "no points",
    },
    "id": {
        "pts_reports": "{recent_reports:.1f} laporan terbaru (berbobot waktu)",
        "pts_reporters": "{reporter_count} pelapor",
        "pts_channels": "{channel_count} kanal",
        "never": "belum pernah diperiksa",
        "days": "{days} hari sejak pemeriksaan",
        "pts_status": "status {status}",
        "pts_commodity": "komoditas {commodity}",
        "none": "tanpa poin",
    },
}


def explain(row: Mapping[Hashable, Any], *, lang: str = "en") -> list[str]:
    """Name each input of a site's score and the points it gave, largest first.

    Parameters
    ----------
    row
        A row of :func:`compute_priority` or :func:`load_priority` (the ``pts_*`` columns and
        :data:`EXPLAIN_INPUTS`).
    lang
        ``"en"`` or ``"id"`` (Bahasa Indonesia), for maps and briefings in the user's language.

    Examples
    --------
    >>> row = {"recent_reports": 2.5, "reporter_count": 3, "channel_count": 1,
    ...        "days_since_inspection": None, "status": "active", "commodity": "emas",
    ...        "pts_reports": 8.75, "pts_reporters": 9.0, "pts_channels": 3.3,
    ...        "pts_inspection": 20.0, "pts_status": 10.0, "pts_commodity": 10.0}
    >>> explain(row, lang="id")[:2]
    ['belum pernah diperiksa: 20.0', 'status active: 10.0']
    """
    if lang not in _LABELS:
        raise ValidationError(f"lang was {lang!r} but is expected to be one of {sorted(_LABELS)}",
                              field="lang")
    words = _LABELS[lang]
    days = row["days_since_inspection"]
    never = days is None or pd.isna(days)
    values = {
        "recent_reports": float(row["recent_reports"] or 0),
        "reporter_count": int(row["reporter_count"] or 0),
        "channel_count": int(row["channel_count"] or 0),
        "status": row["status"],
        "commodity": row["commodity"],
        "days": None if never else int(days),
    }
    label = {c: words[c].format(**values) for c in COMPONENTS if c != "pts_inspection"}
    label["pts_inspection"] = words["never"] if never else words["days"].format(**values)
    order = sorted(COMPONENTS, key=lambda c: (-float(row[c]), COMPONENTS.index(c)))
    lines = [f"{label[c]}: {float(row[c]):.1f}" for c in order if float(row[c]) > 0]
    return lines or [words["none"]]


def _reasons(row: Mapping[Hashable, Any]) -> str:
    """One line naming each input and the points it gave, largest first (stored, English)."""
    return "; ".join(explain(row, lang="en"))


def compute_priority(
    *,
    session: Session,
    as_of: dt.datetime | None = None,
    settings: PrioritySettings | None = None,
    store: bool = True,
) -> pd.DataFrame:
    """Score every site as of a moment and (by default) store the components in ``site_priority``.

    Parameters
    ----------
    session
        An open session; the caller commits.
    as_of
        The moment the score describes (default: now, UTC); reports after it are ignored.
    settings
        Weights, caps and factor tables (default: from ``PANTAU_PRIORITY_*``).
    store
        Replace the stored scores with these.

    Returns
    -------
    pandas.DataFrame
        One row per site ordered by rank (1 = highest): ``site_id``, ``code``, ``name``,
        ``score``, ``rank``, the inputs (``recent_reports``, ``independent_reports``,
        ``reporter_count``, ``channel_count``, ``days_since_inspection``, ``status``,
        ``commodity``), the points (:data:`COMPONENTS`), ``reasons`` and ``as_of``.

    Examples
    --------
    >>> frame = compute_priority(session=session)
    >>> frame.loc[0, "reasons"]
    'never inspected: 20.0; ... recent reports (decayed): ...'
    """
    cfg = settings or get_settings().priority
    when = as_of or dt.datetime.now(dt.UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    raw = pd.DataFrame(
        session.execute(
            text(_AGGREGATES),
            {
                "as_of": when,
                "since": when - dt.timedelta(days=cfg.lookback_days),
                "half_life": cfg.half_life_days,
            },
        )
        .mappings()
        .all(),
        columns=[
            "site_id",
            "code",
            "name",
            "status",
            "commodity",
            "last_inspected",
            "recent_reports",
            "independent_reports",
            "reporter_count",
            "channel_count",
        ],
    )
    raw["recent_reports"] = raw["recent_reports"].astype(float)
    frame = _points(raw, cfg, when)
    frame["as_of"] = when
    frame = frame[list(_COLUMNS)]
    if store:
        session.execute(text("DELETE FROM site_priority"))
        if len(frame):
            records: list[dict[str, Any]] = []
            for rec in frame.drop(columns=["code", "name"]).to_dict("records"):
                days = rec["days_since_inspection"]
                rec["days_since_inspection"] = None if pd.isna(days) else int(days)
                records.append({str(k): v for k, v in rec.items()})
            columns = [c for c in _COLUMNS if c not in ("code", "name")]
            session.execute(
                text(
                    f"INSERT INTO site_priority ({', '.join(columns)}) "
                    f"VALUES ({', '.join(':' + c for c in columns)})"
                ),
                records,
            )
        session.flush()
    return frame


def load_priority(*, engine: Engine | None = None) -> pd.DataFrame:
    """Return the stored priority scores with their components, ordered by rank.

    Columns are those of :func:`compute_priority` plus ``computed_at``; empty when no score
    has been computed yet.

    Examples
    --------
    >>> len(load_priority(engine=engine))
    108
    """
    engine = engine or default_engine()
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT p.*, s.code, s.name FROM site_priority p "
                "JOIN sites s ON s.id = p.site_id ORDER BY p.rank"
            )
        ).mappings().all()
    return pd.DataFrame(rows, columns=[*_COLUMNS, "computed_at"])


def corroboration(*, session: Session) -> pd.DataFrame:
    """Count independent reports and distinct reporters per site and per hotspot.

    Independent means not a duplicate and not rejected; a report without a reporter hash
    (media, satellite) counts as its own reporter. Duplicates are counted apart.

    Returns
    -------
    pandas.DataFrame
        Columns ``kind`` (``site`` or ``hotspot``), ``id``, ``code``,
        ``independent_reports``, ``reporters``, ``duplicates``.

    Examples
    --------
    >>> sites = corroboration(session=session).query("kind == 'site'")
    >>> list(sites.columns)
    ['kind', 'id', 'code', 'independent_reports', 'reporters', 'duplicates']
    """
    rows = session.execute(
        text(
            """
            WITH r AS (
                SELECT m.site_id AS matched_site_id, x.hotspot_id, x.duplicate_of_id, x.status,
                       coalesce(x.reporter_hash, 'report:' || x.id) AS who
                  FROM reports x LEFT JOIN report_matches m ON m.report_id = x.id
                 WHERE x.status <> 'rejected'
            )
            SELECT 'site' AS kind, s.id, s.code,
                   count(r.who) FILTER (WHERE r.duplicate_of_id IS NULL) AS independent_reports,
                   count(DISTINCT r.who) FILTER (WHERE r.duplicate_of_id IS NULL) AS reporters,
                   count(r.who) FILTER (WHERE r.duplicate_of_id IS NOT NULL) AS duplicates
              FROM sites s LEFT JOIN r ON r.matched_site_id = s.id
             GROUP BY s.id
            UNION ALL
            SELECT 'hotspot', h.id, h.code,
                   count(r.who) FILTER (WHERE r.duplicate_of_id IS NULL),
                   count(DISTINCT r.who) FILTER (WHERE r.duplicate_of_id IS NULL),
                   count(r.who) FILTER (WHERE r.duplicate_of_id IS NOT NULL)
              FROM hotspots h LEFT JOIN r ON r.hotspot_id = h.id
             GROUP BY h.id
             ORDER BY 1, 3
            """
        )
    ).mappings().all()
    return pd.DataFrame(
        rows, columns=["kind", "id", "code", "independent_reports", "reporters", "duplicates"]
    )
