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
``pts_alerts``
    ``w_alerts * min(P / alerts_cap, 1)`` where ``P`` is the number of satellite alert patches
    (:mod:`geo.alerts`) matched to the site whose newest alert is at most
    ``alerts_lookback_days`` old: clearing seen from space corroborates the site.
``pts_permit``, ``pts_forest``
    ``w * factor`` of the site's indicative land status (:mod:`geo.layers`): its permit class
    from ``permit_factors`` (outside any permit, ``LUAR_WIUP``, weighs most; inside an active
    production permit, ``WIUP_OP``, nothing; ``permit_unknown_factor`` before the site is
    classified), and its strongest forest estate flag from ``forest_factors``.

With the default weights the points add up to at most 125 (100 before the alert and
land-status components). Every weight, cap and factor is a setting (``PANTAU_PRIORITY_*``; the
factor tables as JSON).

Examples
--------
>>> from geo.priority import compute_priority, load_priority
>>> frame = compute_priority(session=session, as_of=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
>>> bool(frame["score"].between(0, 125).all())
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from geo.db import Target, use_session
from geo.i18n import Translator, check_language, translator
from geo.labels import commodity, site_status
from geo.layers.guidance import forest_labels, permit_class_labels
from geo.settings import PrioritySettings, Settings

__all__ = [
    "PrioritySettings",
    "COMPONENTS",
    "EXPLAIN_INPUTS",
    "compute_priority",
    "corroboration",
    "explain",
    "load_priority",
    "refresh_sites",
    "site_report_counts",
    "strongest_flag",
    "Ranking",
    "recompute",
]

#: The stored point columns, in the order the reasons list them when tied.
COMPONENTS: tuple[str, ...] = (
    "pts_reports",
    "pts_reporters",
    "pts_channels",
    "pts_inspection",
    "pts_status",
    "pts_commodity",
    "pts_alerts",
    "pts_permit",
    "pts_forest",
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
    "alert_patches",
    "permit_class",
    "forest_flag",
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
       count(DISTINCT t.channel) FILTER (WHERE t.at >= :since) AS channel_count,
       (SELECT count(*) FROM alert_patches ap
         WHERE ap.site_id = s.id AND ap.last_date >= CAST(:alerts_since AS date)
           AND ap.first_date <= CAST(:as_of AS date)) AS alert_patches,
       (SELECT lc.permit_class FROM layer_classifications lc
         WHERE lc.object_kind = 'site' AND lc.object_id = s.id) AS permit_class,
       (SELECT lc.forest_flags FROM layer_classifications lc
         WHERE lc.object_kind = 'site' AND lc.object_id = s.id) AS forest_flags
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
 WHERE CAST(:ids AS integer[]) IS NULL OR s.id = ANY(CAST(:ids AS integer[]))
 GROUP BY s.id
"""


def _points(frame: pd.DataFrame, cfg: PrioritySettings, as_of: dt.datetime) -> pd.DataFrame:
    def capped(values: pd.Series, cap: float) -> pd.Series:
        return (values.astype(float) / cap).clip(upper=1.0)

    out = frame.copy()
    today = as_of.date()
    # Inspections are dated in the province's zone (WIB to WIT, ahead of UTC): after 16:00 UTC
    # a visit made "today" in Samarinda is dated tomorrow by ``as_of``'s UTC date. It counts as
    # today, never as a negative age.
    out["days_since_inspection"] = pd.array(
        [None if pd.isna(d) else max(0, (today - d).days) for d in out["last_inspected"]],
        dtype="Int64",
    )
    days = pd.to_numeric(out["days_since_inspection"], errors="coerce")
    out["pts_reports"] = cfg.w_reports * capped(out["recent_reports"], cfg.reports_cap)
    out["pts_reporters"] = cfg.w_reporters * capped(out["reporter_count"], cfg.reporters_cap)
    out["pts_channels"] = cfg.w_channels * capped(out["channel_count"], cfg.channels_cap)
    out["pts_inspection"] = cfg.w_inspection * capped(
        days.fillna(cfg.inspection_cap_days).clip(lower=0), cfg.inspection_cap_days
    )
    out["pts_status"] = cfg.w_status * out["status"].map(cfg.status_factors).fillna(0.0)
    out["pts_commodity"] = cfg.w_commodity * out["commodity"].map(cfg.commodity_factors).fillna(0.0)
    out["pts_alerts"] = cfg.w_alerts * capped(out["alert_patches"], cfg.alerts_cap)
    factor = out["permit_class"].map(lambda c: cfg.permit_factors.get(c) if c else None)
    out["pts_permit"] = cfg.w_permit * factor.astype(float).fillna(cfg.permit_unknown_factor)
    out["pts_forest"] = cfg.w_forest * out["forest_flag"].map(
        lambda f: cfg.forest_factors.get(f, 0.0) if f else 0.0
    ).astype(float)
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
    "alert_patches",
    "permit_class",
    "forest_flag",
)


def strongest_flag(flags: Iterable[str] | None, factors: Mapping[str, float]) -> str | None:
    """Return the forest flag that weighs most (the first, i.e. the largest share, on a tie).

    Examples
    --------
    >>> strongest_flag(["HUTAN_PRODUKSI", "HUTAN_LINDUNG"], {"HUTAN_LINDUNG": 1.0})
    'HUTAN_LINDUNG'
    >>> strongest_flag([], {}) is None
    True
    """
    ranked = list(flags or [])
    if not ranked:
        return None
    return max(ranked, key=lambda f: (factors.get(f, 0.0), -ranked.index(f)))


def _labels(t: Translator, values: Mapping[str, Any]) -> dict[str, str]:
    """Word each component in ``t``'s language (literal calls, for the extractor)."""
    return {
        "pts_reports": t.gettext(
            "{recent_reports} recent reports (decayed)",
            recent_reports=t.number(values["recent_reports"], digits=1),
        ),
        "pts_reporters": t.ngettext("{n} reporter", "{n} reporters", values["reporter_count"]),
        "pts_channels": t.ngettext("{n} channel", "{n} channels", values["channel_count"]),
        "pts_inspection": (
            t.gettext("never inspected")
            if values["days"] is None
            else t.ngettext("{n} day since inspection", "{n} days since inspection", values["days"])
        ),
        "pts_status": t.gettext("status {status}", status=site_status(t, str(values["status"]))),
        "pts_commodity": t.gettext(
            "commodity {commodity}", commodity=commodity(t, str(values["commodity"]))
        ),
        "pts_alerts": t.ngettext(
            "{n} satellite alert patch nearby",
            "{n} satellite alert patches nearby",
            values["alerts"],
        ),
        "pts_permit": (
            t.gettext("land status not classified yet")
            if not values["permit_class"]
            else t.gettext(
                "land status (indicative): {label}",
                label=permit_class_labels(t).get(values["permit_class"], values["permit_class"]),
            )
        ),
        "pts_forest": t.gettext(
            "forest estate (indicative): {label}",
            label=forest_labels(t).get(values["forest_flag"] or "", values["forest_flag"] or "-"),
        ),
    }


def explain(row: Mapping[Any, Any], *, lang: str = "en") -> list[str]:
    """Name each input of a site's score and the points it gave, largest first.

    Parameters
    ----------
    row
        A row of :func:`compute_priority` or :func:`load_priority` (the ``pts_*`` columns and
        :data:`EXPLAIN_INPUTS`).
    lang
        ``"id"`` (Bahasa Indonesia) or ``"en"``, for maps and briefings in the user's language;
        the words come from the one message catalogue (:mod:`geo.i18n`).

    Examples
    --------
    >>> row = {"recent_reports": 2.5, "reporter_count": 3, "channel_count": 1,
    ...        "days_since_inspection": None, "status": "active", "commodity": "emas",
    ...        "pts_reports": 8.75, "pts_reporters": 9.0, "pts_channels": 3.3,
    ...        "pts_inspection": 20.0, "pts_status": 10.0, "pts_commodity": 10.0}
    >>> explain(row, lang="id")[:3]
    ['belum pernah diperiksa: 20,0', 'status Aktif: 10,0', 'komoditas Emas: 10,0']
    >>> explain(row, lang="en")[3:]
    ['3 reporters: 9.0', '2.5 recent reports (decayed): 8.8', '1 channel: 3.3']
    """
    t = translator(check_language(lang))
    days = row["days_since_inspection"]
    never = days is None or pd.isna(days)
    values = {
        "recent_reports": float(row["recent_reports"] or 0),
        "reporter_count": int(row["reporter_count"] or 0),
        "channel_count": int(row["channel_count"] or 0),
        "status": row["status"],
        "commodity": row["commodity"],
        "days": None if never else int(days),
        # Rows stored before the alert and land-status components lack them.
        "alerts": int(_value(row, "alert_patches") or 0),
        "permit_class": _value(row, "permit_class"),
        "forest_flag": _value(row, "forest_flag"),
    }
    label = _labels(t, values)
    pts = {c: float(_value(row, c) or 0.0) for c in COMPONENTS}
    order = sorted(COMPONENTS, key=lambda c: (-pts[c], COMPONENTS.index(c)))
    lines = [f"{label[c]}: {t.number(pts[c], digits=1)}" for c in order if pts[c] > 0]
    return lines or [t.gettext("no points")]


def _value(row: Mapping[Any, Any], key: str) -> Any:
    value = row.get(key)
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def _reasons(row: Mapping[Hashable, Any]) -> str:
    """One line naming each input and the points it gave, largest first (stored, English)."""
    return "; ".join(explain(row, lang="en"))


def _when(as_of: dt.datetime | None) -> dt.datetime:
    when = as_of or dt.datetime.now(dt.UTC)
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def _score(
    session: Session, cfg: PrioritySettings, when: dt.datetime, site_ids: list[int] | None
) -> pd.DataFrame:
    """Return the inputs and points of every site (or of ``site_ids``), ranked among them."""
    raw = pd.DataFrame(
        session.execute(
            text(_AGGREGATES),
            {
                "as_of": when,
                "since": when - dt.timedelta(days=cfg.lookback_days),
                "alerts_since": (when - dt.timedelta(days=cfg.alerts_lookback_days)).date(),
                "half_life": cfg.half_life_days,
                "ids": site_ids,
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
            "alert_patches",
            "permit_class",
            "forest_flags",
        ],
    )
    raw["recent_reports"] = raw["recent_reports"].astype(float)
    raw["forest_flag"] = [strongest_flag(f, cfg.forest_factors) for f in raw["forest_flags"]]
    frame = _points(raw, cfg, when)
    frame["as_of"] = when
    return frame[list(_COLUMNS)]


_STORED = [c for c in _COLUMNS if c not in ("code", "name")]
_INSERT = text(
    # Column names from the constant tuple above, never from data.
    f"INSERT INTO site_priority ({', '.join(_STORED)}) "
    f"VALUES ({', '.join(':' + c for c in _STORED)})"
)
_RERANK = text(
    # Ranks are over every stored site: a refresh of a few sites moves the others' ranks too.
    """
    UPDATE site_priority p SET rank = r.rank
      FROM (SELECT p2.site_id,
                   row_number() OVER (ORDER BY p2.score DESC, s.code) AS rank
              FROM site_priority p2 JOIN sites s ON s.id = p2.site_id) r
     WHERE p.site_id = r.site_id AND p.rank IS DISTINCT FROM r.rank
    """
)


def _store(session: Session, frame: pd.DataFrame, site_ids: list[int] | None) -> None:
    if site_ids is None:
        session.execute(text("DELETE FROM site_priority"))
    else:
        session.execute(
            text("DELETE FROM site_priority WHERE site_id = ANY(:ids)"), {"ids": site_ids}
        )
    records: list[dict[str, Any]] = []
    for rec in frame.drop(columns=["code", "name"]).to_dict("records"):
        days = rec["days_since_inspection"]
        rec["days_since_inspection"] = None if pd.isna(days) else int(days)
        records.append({str(k): v for k, v in rec.items()})
    if records:
        session.execute(_INSERT, records)
    if site_ids is not None:
        session.execute(_RERANK)
    session.flush()


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
        Weights, caps and factor tables: ``Settings.priority``, passed by the use case
        (:func:`recompute`); the built-in defaults when omitted (the environment is not read
        here).
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
    >>> len(frame), int(frame["rank"].min()), bool(frame["score"].between(0, 125).all())
    (108, 1, True)
    """
    frame = _score(session, settings or PrioritySettings(), _when(as_of), None)
    if store:
        _store(session, frame, None)
    return frame


def refresh_sites(
    *,
    session: Session,
    site_ids: Iterable[int] | None,
    settings: PrioritySettings,
    as_of: dt.datetime | None = None,
) -> pd.DataFrame:
    """Recompute and store the priority of some sites (all with ``None``), then re-rank all.

    The use cases that change an input of the score (a report's status, a hotspot promoted
    into a site, a site edited or imported, reports imported) call this in their own
    transaction, so ``site_priority`` never shows a figure older than the data it describes.
    The refreshed rows carry ``as_of`` = now; the ranks of the other stored rows are renumbered
    around them.

    Returns
    -------
    pandas.DataFrame
        The refreshed rows, as :func:`compute_priority` returns them (ranks among themselves).

    Examples
    --------
    >>> len(refresh_sites(session=session, site_ids=[12], settings=settings.priority))
    1
    """
    ids = None if site_ids is None else sorted({int(i) for i in site_ids})
    if ids == []:
        return _score(session, settings, _when(as_of), [])
    frame = _score(session, settings, _when(as_of), ids)
    _store(session, frame, ids)
    return frame


@dataclass(frozen=True)
class Ranking:
    """What :func:`recompute` stored: the moment and every site's row, highest first."""

    as_of: dt.datetime
    rows: list[dict[str, Any]]


def recompute(*, settings: Settings, session: Session, as_of: dt.datetime | None = None) -> Ranking:
    """Use case: score every site with the injected weights and store the scores.

    Examples
    --------
    >>> ranking = recompute(settings=settings, session=session)
    >>> ranking.rows[0]["rank"], ranking.rows[0]["score"] >= ranking.rows[-1]["score"]
    (1, True)
    """
    when = _when(as_of)
    frame = compute_priority(session=session, as_of=when, settings=settings.priority)
    rows = [{str(k): v for k, v in rec.items()} for rec in frame.to_dict("records")]
    return Ranking(as_of=when, rows=rows)


def load_priority(target: Target | None = None, *, engine: Engine | None = None) -> pd.DataFrame:
    """Return the stored priority scores with their components, ordered by rank.

    ``target`` is an engine or an open session (so a use case's refresh can be read before
    it is committed); ``engine=`` is accepted too. Columns are those of
    :func:`compute_priority` plus ``computed_at``; empty when no score has been computed yet.

    Examples
    --------
    >>> len(load_priority(engine=engine))
    108
    """
    with use_session(engine or target) as session:
        rows = (
            session.execute(
                text(
                    "SELECT p.*, s.code, s.name FROM site_priority p "
                    "JOIN sites s ON s.id = p.site_id ORDER BY p.rank"
                )
            )
            .mappings()
            .all()
        )
    return pd.DataFrame(rows, columns=[*_COLUMNS, "computed_at"])


def site_report_counts(target: Target | None = None) -> dict[str, int]:
    """Return each scored site's count of independent reports, by site code.

    The one figure to show as a site's number of reports beside its priority reasons: the
    same reports the reasons count (every confidentiality level, no duplicates, none
    rejected), kept true by the use cases that refresh ``site_priority``. A count of the
    report points a map may draw (``anonim`` only, within its period) is a different figure
    and must not be labelled as the site's reports; a popup that did so read "2 reports"
    beside "21 reporters".

    Examples
    --------
    >>> counts = site_report_counts(engine)
    >>> len(counts) > 0, all(n >= 0 for n in counts.values()), sum(counts.values()) > 0
    (True, True, True)
    """
    with use_session(target) as session:
        rows = session.execute(
            text(
                "SELECT s.code, p.independent_reports FROM site_priority p "
                "JOIN sites s ON s.id = p.site_id"
            )
        ).all()
    return {str(code): int(n) for code, n in rows}


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
    rows = (
        session.execute(
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
        )
        .mappings()
        .all()
    )
    return pd.DataFrame(
        rows, columns=["kind", "id", "code", "independent_reports", "reporters", "duplicates"]
    )
