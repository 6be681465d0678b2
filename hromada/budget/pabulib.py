"""
Read and write participatory-budget elections in the Pabulib ``.pb`` format.

Pabulib (pabulib.org) is the open library of real participatory-budget
elections; its format is what researchers and the pabutools library use. A
file has three sections, each a ``;``-separated table with a header row:
META (key, value), PROJECTS (``project_id``, ``cost``, …) and VOTES
(``voter_id``, ``vote``, maybe ``points``, …). Publishing our results in it
lets anyone recount them with other tools.

`parse` keeps every column, so `dumps(parse(text))` parses back to the same
election; `dumps` writes only what pabutools can read back.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

from hromada.budget.rules import Instance, Number

VOTE_TYPES = ("approval", "choose-1", "cumulative", "scoring", "ordinal")
_SECTIONS = ("meta", "projects", "votes")


class PabulibError(ValueError):
    """The text is not a valid Pabulib election."""


@dataclass
class Project:
    """A row of PROJECTS: its id, cost and every other column as text."""

    project_id: str
    cost: Number
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class Vote:
    """A row of VOTES: the voter, the projects in ballot order, their points."""

    voter_id: str
    projects: list[str]
    points: list[Number] | None = None
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class Election:
    """
    A whole Pabulib file.

    `meta` keeps META in file order; `project_columns` and `vote_columns`
    are the header rows, so writing the election back keeps its columns.
    """

    meta: dict[str, str]
    projects: list[Project]
    votes: list[Vote]
    project_columns: list[str] = field(default_factory=lambda: ["project_id", "cost"])
    vote_columns: list[str] = field(default_factory=lambda: ["voter_id", "vote"])

    @property
    def vote_type(self) -> str:
        """Return the META vote type (approval when missing)."""
        return self.meta.get("vote_type", "approval")

    @property
    def budget(self) -> Number:
        """Return the META budget as an exact number."""
        return parse_number(self.meta["budget"])

    @property
    def min_score(self) -> Number | None:
        """Return META `min_project_score_threshold`, if the election has one."""
        value = self.meta.get("min_project_score_threshold")
        return None if value in (None, "", "None") else parse_number(value)

    def instance(self) -> Instance:
        """
        Return the election for the selection rules.

        Cumulative and scoring ballots keep their points; ordinal and choose-1
        ballots become approval of the listed projects.
        """
        with_points = self.vote_type in ("cumulative", "scoring")
        return Instance(
            budget=self.budget,
            projects={p.project_id: p.cost for p in self.projects},
            ballots=[v.projects for v in self.votes],
            points=[v.points or [] for v in self.votes] if with_points else None,
            min_score=self.min_score,
        )


def read(path: str | Path) -> Election:
    """Return the election stored in the Pabulib file at `path`."""
    # utf-8-sig: files saved by spreadsheet programs start with a BOM.
    return parse(Path(path).read_text(encoding="utf-8-sig"))


def parse(text: str) -> Election:
    """Return the election written in Pabulib `text`."""
    meta: dict[str, str] = {}
    projects: list[Project] = []
    votes: list[Vote] = []
    headers: dict[str, list[str]] = {}
    section = None
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    for number, row in enumerate(rows, start=1):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        name = row[0].strip().lower()
        if (
            name in _SECTIONS
            and len(row) == 1
            or (name in _SECTIONS and all(not cell.strip() for cell in row[1:]))
        ):
            section = name
            try:
                headers[section] = [cell.strip() for cell in next(rows)]
            except StopIteration:
                raise PabulibError(f"Section {name.upper()} has no header.") from None
            continue
        if section is None:
            raise PabulibError(f"Line {number}: data before the META section.")
        # pabutools writes "None" for a missing value.
        cells = ["" if c.strip().lower() == "none" else c.strip() for c in row]
        header = headers[section]
        if len(cells) > len(header):
            raise PabulibError(f"Line {number}: more cells than the header has.")
        record = dict(zip(header, cells, strict=False))
        if section == "meta":
            if len(cells) < 2:
                raise PabulibError(f"Line {number}: a META line needs a value.")
            meta[cells[0]] = cells[1]
        elif section == "projects":
            projects.append(_project(record, number))
        else:
            votes.append(_vote(record, number, meta.get("vote_type", "approval")))
    if "budget" not in meta:
        raise PabulibError("META has no budget.")
    parse_number(meta["budget"])
    vote_type = meta.get("vote_type", "approval")
    if vote_type not in VOTE_TYPES:
        raise PabulibError(f"Unknown vote type {vote_type!r}.")
    known = {p.project_id for p in projects}
    if len(known) != len(projects):
        raise PabulibError("A project id appears twice in PROJECTS.")
    for vote in votes:
        unknown = [p for p in vote.projects if p not in known]
        if unknown:
            raise PabulibError(f"Voter {vote.voter_id} voted for unknown projects {unknown}.")
    return Election(
        meta=meta,
        projects=projects,
        votes=votes,
        project_columns=headers.get("projects", ["project_id", "cost"]),
        vote_columns=headers.get("votes", ["voter_id", "vote"]),
    )


def dumps(election: Election) -> str:
    """Return `election` as Pabulib text."""
    # Not through hromada.core.exports.safe_cell, on purpose: a .pb file is a
    # data interchange format that pabutools, `pb verify` and `pb import` read
    # back, served as text/plain, not a spreadsheet. An apostrophe before a
    # title such as "=HYPERLINK(...)" would become part of the title in every
    # tool that recounts the election, and parse(dumps(e)) would no longer
    # give e back. The open-data CSV of the same projects is neutralised.
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    out.write("META\n")
    writer.writerow(["key", "value"])
    meta = dict(election.meta)
    meta.setdefault("vote_type", election.vote_type)  # pabutools needs it
    for key, value in meta.items():
        writer.writerow([key, value])

    out.write("PROJECTS\n")
    columns = _columns(
        election.project_columns,
        ["project_id", "cost"],
        (p.fields for p in election.projects),
    )
    writer.writerow(columns)
    for project in election.projects:
        values = {
            **project.fields,
            "project_id": project.project_id,
            "cost": format_number(project.cost),
        }
        writer.writerow([values.get(c, "") for c in columns])

    out.write("VOTES\n")
    with_points = any(v.points is not None for v in election.votes)
    required = ["voter_id", "vote"] + (["points"] if with_points else [])
    columns = _columns(election.vote_columns, required, (v.fields for v in election.votes))
    writer.writerow(columns)
    for vote in election.votes:
        values = {
            **vote.fields,
            "voter_id": vote.voter_id,
            "vote": ",".join(vote.projects),
        }
        if vote.points is not None:
            values["points"] = ",".join(format_number(p) for p in vote.points)
            if not vote.projects:
                # pabutools reads an empty cumulative ballot only as "None".
                values["vote"] = values["points"] = "None"
        writer.writerow([values.get(c, "") for c in columns])
    return out.getvalue()


def write(election: Election, path: str | Path) -> None:
    """Write `election` to the Pabulib file at `path`."""
    Path(path).write_text(dumps(election), encoding="utf-8")


def parse_number(text: str) -> Number:
    """Return a Pabulib number ("1500", "12.5", "12,5") as an int or Fraction."""
    try:
        value = Fraction(Decimal(text.strip().replace(",", ".")))
    except (InvalidOperation, ValueError):
        raise PabulibError(f"{text!r} is not a number.") from None
    return value.numerator if value.denominator == 1 else value


def format_number(value: Number) -> str:
    """Return an exact number as Pabulib writes it: no exponent, no trailing .0."""
    fraction = Fraction(value)
    if fraction.denominator == 1:
        return str(fraction.numerator)
    decimal = Decimal(fraction.numerator) / Decimal(fraction.denominator)
    if Fraction(decimal) != fraction:
        raise ValueError(f"{value} has no finite decimal form.")
    return format(decimal, "f")


def _project(record: dict[str, str], line: int) -> Project:
    """Build a Project from a PROJECTS row."""
    project_id = record.get("project_id", "")
    if not project_id:
        raise PabulibError(f"Line {line}: a project needs a project_id.")
    if not record.get("cost"):
        raise PabulibError(f"Line {line}: project {project_id} has no cost.")
    fields = {k: v for k, v in record.items() if k not in ("project_id", "cost")}
    return Project(project_id, parse_number(record["cost"]), fields)


def _vote(record: dict[str, str], line: int, vote_type: str) -> Vote:
    """Build a Vote from a VOTES row."""
    voter_id = record.get("voter_id", "")
    if not voter_id:
        raise PabulibError(f"Line {line}: a vote needs a voter_id.")
    listed = record.get("vote", "")
    projects = [p.strip() for p in listed.split(",") if p.strip()]
    points = None
    if vote_type in ("cumulative", "scoring"):
        raw = [p for p in record.get("points", "").split(",") if p.strip()]
        if len(raw) != len(projects):
            raise PabulibError(
                f"Line {line}: voter {voter_id} has {len(projects)} projects but {len(raw)} points."
            )
        points = [parse_number(p) for p in raw]
    fields = {k: v for k, v in record.items() if k not in ("voter_id", "vote", "points")}
    return Vote(voter_id, projects, points, fields)


def _columns(known: list[str], required: list[str], rows) -> list[str]:
    """Return the header: the known columns, then missing required and new ones."""
    columns = list(known)
    for column in required:
        if column not in columns:
            columns.append(column)
    for fields in rows:
        for column in fields:
            if column not in columns:
                columns.append(column)
    return columns
