"""Demo data of the chatbot: the community's knowledge base."""

from __future__ import annotations

import json
from pathlib import Path

KB_DIR = Path(__file__).resolve().parent / "kb"


def load(community) -> None:
    """Load the demo knowledge base of the community, if one ships with the code."""
    from hromada.chatbot import knowledge
    from hromada.chatbot.services import import_knowledge

    path = KB_DIR / f"{community.slug}.json"
    if not path.exists():
        path = KB_DIR / "chornomorsk.json"
    if not path.exists():
        return
    knowledge.preload_vectors(path.with_suffix(".vectors.npz"))
    import_knowledge(community=community, items=json.loads(path.read_text("utf-8")), actor=None)
    knowledge.refresh(community)
