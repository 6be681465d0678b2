"""
Explain the results of cycles counted before explanations were stored.

Each is recounted from its published ballots file, the public record of the
count: the rules are pure functions, so the recount is the count. The file
itself stays as published; a category whose recount differs from it is
left without explanations rather than explained by another outcome.
"""

import json

from django.db import migrations


def explain(apps, schema_editor):
    from hromada.budget import rules, tally

    Cycle = apps.get_model("budget", "Cycle")
    Outcome = apps.get_model("budget", "Outcome")
    for cycle in Cycle.objects.filter(tallied_at__isnull=False).exclude(ballots_file=""):
        try:
            with cycle.ballots_file.open("rb") as file:
                document = json.load(file)
        except (OSError, ValueError):
            continue  # the file is gone: nothing to recount from
        cumulative = document.get("ballot_kind") == "cumulative"
        outcomes = Outcome.objects.filter(cycle=cycle, selected=False).select_related("project")
        by_code = {o.project.pabulib_id or f"{o.project.number or 0:04d}": o for o in outcomes}
        changed = []
        for category in document.get("categories", []):
            instance = tally.document_instance(category, cumulative=cumulative)
            result = rules.select(instance, category["rule"], category.get("completion"))
            if result.selected != category["results"]["selected"]:
                continue
            for code, record in result.explanations.items():
                outcome = by_code.get(code)
                if outcome is not None and not outcome.explanation:
                    outcome.explanation = tally.explanation_record(record)
                    changed.append(outcome)
        Outcome.objects.bulk_update(changed, ["explanation"])


class Migration(migrations.Migration):
    dependencies = [("budget", "0002_outcome_explanation")]

    operations = [migrations.RunPython(explain, migrations.RunPython.noop)]
