"""CUAD v1 for the clause detector: loading, the held-out split, and locating excerpts.

Shared by ``bench/clause_detection.py`` (measurement) and ``bench/train_clauses.py`` (training),
so that both use the same split rule, written down in docs/clause-detection.md before training:
a contract is held out when the first 8 hex digits of the SHA-256 of its normalised file stem,
modulo 100, are below 30. Training never reads a held-out contract.

CUAD (The Atticus Project, CC BY 4.0) lives beside the repository in ``../shared/data/cuad``
(override with ``PARTNERLINE_SHARED_DATA``) and is never copied into it.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import os
import re
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HELD_OUT_PERCENT = 30


@contextmanager
def _long_fields():
    """labels.csv has excerpts longer than the csv module's 128 KiB field limit. The limit is
    process-wide: raise it only while reading labels.csv and put it back, so that the app's
    own CSV readers (which refuse such fields) behave the same whether or not this ran."""
    previous = csv.field_size_limit(sys.maxsize)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def cuad_dir() -> Path:
    override = os.environ.get("PARTNERLINE_SHARED_DATA")
    base = Path(override) if override else Path(__file__).resolve().parents[2] / "shared" / "data"
    return base / "cuad"


def normalise_stem(name: str) -> str:
    # labels.csv has at least one name with a stray quote after ".PDF"; drop it with the extension.
    stem = re.sub(r"\.(pdf|txt)\W*$", "", name.strip(), flags=re.IGNORECASE)
    return re.sub(r"[^a-z0-9]", "", stem.lower())


def is_held_out(name: str) -> bool:
    digest = hashlib.sha256(normalise_stem(name).encode()).hexdigest()
    return int(digest[:8], 16) % 100 < HELD_OUT_PERCENT


@dataclass
class Contract:
    name: str
    path: Path
    row: dict[str, str]

    def text(self) -> str:
        return self.path.read_text(encoding="utf-8", errors="replace")

    def excerpts(self, category: str) -> list[str]:
        raw = self.row.get(category, "") or ""
        try:
            value = ast.literal_eval(raw) if raw.strip() else []
        except (ValueError, SyntaxError):
            value = [raw]
        return [item for item in value if isinstance(item, str) and item.strip()]

    def answer(self, category: str) -> str:
        # CUAD spells one column "Notice Period To Terminate Renewal- Answer".
        for key in (f"{category}-Answer", f"{category}- Answer"):
            if key in self.row:
                return (self.row[key] or "").strip()
        return ""

    def is_positive(self, category: str) -> bool:
        return self.answer(category).lower() == "yes" or bool(self.excerpts(category))


def load_contracts(split: str) -> list[Contract]:
    """``split`` is "heldout", "dev" or "all"; contracts sorted by name."""
    root = cuad_dir()
    texts = {normalise_stem(path.name): path for path in (root / "txt").glob("*.txt")}
    contracts = []
    with _long_fields(), (root / "labels.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            name = row["Filename"]
            path = texts.get(normalise_stem(name))
            if path is None:
                print(f"warning: no text for {name}", file=sys.stderr)
                continue
            held = is_held_out(name)
            if split == "all" or (split == "heldout") == held:
                contracts.append(Contract(name=name, path=path, row=row))
    contracts.sort(key=lambda contract: contract.name)
    return contracts


def split_sizes() -> tuple[int, int]:
    root = cuad_dir()
    with _long_fields(), (root / "labels.csv").open(encoding="utf-8", newline="") as handle:
        names = [row["Filename"] for row in csv.DictReader(handle)]
    held = sum(is_held_out(name) for name in names)
    return len(names) - held, held


def squash(text: str) -> tuple[str, list[int]]:
    """Lower-cased text with whitespace runs collapsed, and the original index of each char."""
    chars, index = [], []
    previous_space = False
    for position, char in enumerate(text):
        if char.isspace():
            if previous_space:
                continue
            chars.append(" ")
            previous_space = True
        else:
            chars.append(char.lower())
            previous_space = False
        index.append(position)
    return "".join(chars), index


def locate(excerpt: str, squashed: str, index: list[int]) -> tuple[int, int] | None:
    """Where a CUAD excerpt sits in the original text, or None when it cannot be found."""
    needle = " ".join(excerpt.lower().split())
    if not needle:
        return None
    at = squashed.find(needle)
    length = len(needle)
    if at == -1 and len(needle) > 80:  # PDF-to-text differences: anchor on the first words
        at = squashed.find(needle[:80])
    if at == -1:
        return None
    end = min(at + length, len(index)) - 1
    return index[at], index[end] + 1
