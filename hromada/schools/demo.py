"""Demo schools (filled in below)."""


def load(community) -> None:
    return None
