"""
Recount published results: anyone can check the count without trusting us.

A ballots file (`hromada.budget.tally`) is recounted category by category
and compared with the results it publishes and, where this installation
holds the cycle, with the results it shows. A Pabulib file with a
``selected`` column is recounted and compared with that column.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from hromada.budget import pabulib, pbfiles, rules, tally


def verify_file(path: Path, *, rule: str | None = None, completion: str | None = None) -> dict:
    """Return the recount report of a ballots file or a Pabulib file."""
    data = path.read_bytes()
    if data.lstrip()[:1] == b"{":
        document = json.loads(data)
        report = tally.verify_document(document)
        report["sha256"] = hashlib.sha256(data).hexdigest()
        _compare_with_database(document, report)
        return report
    return verify_pabulib(pabulib.parse(data.decode("utf-8-sig")), rule=rule, completion=completion)


def verify_pabulib(election: pabulib.Election, *, rule=None, completion=None) -> dict:
    """Recount a Pabulib election and compare with its `selected` column."""
    guessed_rule, guessed_completion = pbfiles._rule(election.meta.get("rule", ""))
    rule = rule or guessed_rule
    if completion is None:
        completion = guessed_completion or None
    if rule != "mes":
        completion = None
    published = [p.project_id for p in election.projects if p.fields.get("selected") == "1"]
    if not any("selected" in p.fields for p in election.projects):
        raise ValueError("The Pabulib file has no `selected` column to compare with.")
    result = rules.select(election.instance(), rule, completion)
    match = sorted(result.selected) == sorted(published)
    return {
        "ok": match,
        "categories": [
            {
                "category": election.meta.get("description", ""),
                "rule": rule + (f"/{completion}" if completion else ""),
                "ballots": len(election.votes),
                "published": sorted(published),
                "recomputed": result.selected,
                "match": match,
            }
        ],
    }


def _compare_with_database(document: dict, report: dict) -> None:
    """Add whether the installation's own results agree with the file, if it has the cycle."""
    from hromada.budget.models import Cycle, Outcome

    cycle = Cycle.objects.filter(
        pk=document.get("cycle"), community__slug=document.get("community")
    ).first()
    if cycle is None or cycle.tallied_at is None:
        return
    report["published_sha256"] = cycle.ballots_sha256
    shown = {}
    for outcome in Outcome.objects.filter(cycle=cycle, selected=True).select_related("project"):
        shown.setdefault(outcome.project.category_id, []).append(
            (outcome.position, outcome.project.code)
        )
    for item, category in zip(report["categories"], document["categories"], strict=True):
        on_site = [code for _, code in sorted(shown.get(category["id"], []))]
        item["on_site"] = on_site
        if on_site != item["recomputed"]:
            item["match"] = False
    report["ok"] = all(item["match"] for item in report["categories"]) and (
        report["sha256"] == cycle.ballots_sha256
    )
