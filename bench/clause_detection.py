"""Measure the clause detector against CUAD's expert labels, on a held-out split by default.

    python bench/clause_detection.py [--split heldout|dev|all] [--errors CODE]

CUAD v1 (The Atticus Project, CC BY 4.0) lives beside the repository in ``../shared/data/cuad``
(override with ``PARTNERLINE_SHARED_DATA``). Contracts are split deterministically by the SHA-256
of their normalised file stem: about 30% are held out. The rules in ``contracts/detection`` were
written and tuned looking at the development split only; the held-out split is for reporting.
``--errors`` lists false negatives and false positives with the CUAD excerpts, to tune rules, and
refuses to run on the held-out split so that nobody tunes on it by accident.

Reported per clause type that has a CUAD mapping:
- contract-level precision, recall and F1: a contract is positive when CUAD has a "Yes" answer or
  a non-empty excerpt for any mapped category; the detector is positive when it finds at least one
  clause of that type;
- excerpt recall: the share of CUAD excerpts overlapped by a detected clause of that type;
and the accuracy of the extracted governing law, notice period and renewal term against CUAD's
normalised answers, on the contracts where CUAD gives a parseable answer.
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import os
import re
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO_ROOT))

from contracts.detection import detect  # noqa: E402
from contracts.detection.params import Duration, find_durations  # noqa: E402
from contracts.detection.taxonomy import TAXONOMY  # noqa: E402

HELD_OUT_PERCENT = 30
csv.field_size_limit(sys.maxsize)


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
    text: str = ""

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
    root = cuad_dir()
    texts = {normalise_stem(path.name): path for path in (root / "txt").glob("*.txt")}
    contracts = []
    with (root / "labels.csv").open(encoding="utf-8", newline="") as handle:
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
    with (root / "labels.csv").open(encoding="utf-8", newline="") as handle:
        names = [row["Filename"] for row in csv.DictReader(handle)]
    held = sum(is_held_out(name) for name in names)
    return len(names) - held, held


@dataclass
class Outcome:
    name: str
    spans: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    governing_law: str | None = None
    notice_days: int | None = None
    renewal_months: Decimal | None = None
    seconds: float = 0.0


def run_one(path: Path) -> tuple[str, Outcome]:
    text = path.read_text(encoding="utf-8", errors="replace")
    started = time.perf_counter()
    result = detect(text)
    outcome = Outcome(name=path.name, seconds=time.perf_counter() - started)
    for clause in result.clauses:
        outcome.spans.setdefault(clause.code, []).append((clause.start, clause.end))
    outcome.governing_law = result.facts.governing_law
    outcome.notice_days = result.facts.notice_period_days
    if result.facts.renewal_term:
        outcome.renewal_months = result.facts.renewal_term.in_months()
    return text, outcome


# --- locating CUAD excerpts in the text ----------------------------------------------------------


def _squash(text: str) -> tuple[str, list[int]]:
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


# --- normalised answers ------------------------------------------------------------------------


def same_law(ours: str | None, cuad: str) -> bool:
    if not ours:
        return False

    def words(value: str) -> str:
        value = value.lower().replace("the ", "").replace("state of ", "")
        return re.sub(r"[^a-z]", "", value.split(",")[0])

    a, b = words(ours), words(cuad)
    return bool(a and b) and (a == b or a.startswith(b) or b.startswith(a))


def duration_of(answer: str) -> Duration | None:
    found = find_durations(answer)
    return found[-1][0] if found else None


# --- report ------------------------------------------------------------------------------------


def evaluate(split: str, errors_for: str | None, workers: int) -> int:
    if not cuad_dir().is_dir():
        print(f"CUAD not found at {cuad_dir()}; set PARTNERLINE_SHARED_DATA.", file=sys.stderr)
        return 2
    dev, held = split_sizes()
    contracts = load_contracts(split)
    print(f"CUAD split: {dev} development, {held} held out; evaluating '{split}': {len(contracts)}")

    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(run_one, [c.path for c in contracts], chunksize=4))
    elapsed = time.perf_counter() - started

    mapped = [t for t in TAXONOMY if t.cuad_categories]
    rows = []
    totals = defaultdict(int)
    for clause_type in mapped:
        tp = fp = fn = 0
        excerpts_found = excerpts_total = excerpts_missing = 0
        false_negatives, false_positives = [], []
        for contract, (text, outcome) in zip(contracts, results, strict=True):
            truth = any(contract.is_positive(c) for c in clause_type.cuad_categories)
            spans = outcome.spans.get(clause_type.code, [])
            predicted = bool(spans)
            tp += truth and predicted
            fp += predicted and not truth
            fn += truth and not predicted
            if truth and not predicted:
                false_negatives.append(contract)
            if predicted and not truth:
                false_positives.append((contract, text, spans))
            if not truth:
                continue
            squashed, index = _squash(text)
            for category in clause_type.cuad_categories:
                for excerpt in contract.excerpts(category):
                    where = locate(excerpt, squashed, index)
                    if where is None:
                        excerpts_missing += 1
                        continue
                    excerpts_total += 1
                    if any(s < where[1] and where[0] < e for s, e in spans):
                        excerpts_found += 1
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        excerpt_recall = excerpts_found / excerpts_total if excerpts_total else 0.0
        rows.append((clause_type, tp + fn, tp, fp, fn, precision, recall, f1, excerpt_recall))
        totals["tp"] += tp
        totals["fp"] += fp
        totals["fn"] += fn
        if errors_for == clause_type.code:
            _print_errors(clause_type, false_negatives, false_positives, results, contracts)

    print()
    header = (
        f"{'clause type':<30} {'CUAD categories':<44} "
        f"{'pos':>4} {'P':>5} {'R':>5} {'F1':>5} {'excR':>5}"
    )
    print(header)
    print("-" * len(header))
    for clause_type, positives, _tp, _fp, _fn, p, r, f1, er in rows:
        categories = " + ".join(clause_type.cuad_categories)
        print(
            f"{clause_type.code:<30} {categories[:44]:<44} {positives:>4} {p:>5.2f} {r:>5.2f} "
            f"{f1:>5.2f} {er:>5.2f}"
        )
    micro_p = totals["tp"] / (totals["tp"] + totals["fp"]) if totals["tp"] + totals["fp"] else 0
    micro_r = totals["tp"] / (totals["tp"] + totals["fn"]) if totals["tp"] + totals["fn"] else 0
    micro_f1 = 2 * micro_p * micro_r / (micro_p + micro_r) if micro_p + micro_r else 0
    macro_f1 = sum(row[7] for row in rows) / len(rows)
    print("-" * len(header))
    print(
        f"{'micro average':<75} {'':>4} {micro_p:>5.2f} {micro_r:>5.2f} {micro_f1:>5.2f}"
        f"\n{'macro F1':<75} {'':>4} {'':>5} {'':>5} {macro_f1:>5.2f}"
    )

    print()
    print("Extracted values against CUAD's normalised answers (where CUAD has one):")
    _report_values(contracts, results)
    per_contract = sum(outcome.seconds for _, outcome in results) / max(len(results), 1)
    print(
        f"\n{len(contracts)} contracts in {elapsed:.1f} s wall clock "
        f"({per_contract * 1000:.0f} ms detection per contract, {workers} workers)"
    )
    return 0


def _report_values(contracts: list[Contract], results: list[tuple[str, Outcome]]) -> None:
    law, notice, renewal = [0, 0, 0], [0, 0, 0], [0, 0, 0]  # [correct, answered, total]
    for contract, (_, outcome) in zip(contracts, results, strict=True):
        answer = contract.answer("Governing Law")
        if answer:
            law[2] += 1
            law[1] += outcome.governing_law is not None
            law[0] += same_law(outcome.governing_law, answer)
        answer = contract.answer("Notice Period To Terminate Renewal")
        expected = duration_of(answer.split(";")[0]) if answer else None
        if expected:
            notice[2] += 1
            notice[1] += outcome.notice_days is not None
            notice[0] += outcome.notice_days == expected.in_days()
        answer = contract.answer("Renewal Term")
        expected = duration_of(answer) if answer else None
        if expected:
            renewal[2] += 1
            renewal[1] += outcome.renewal_months is not None
            renewal[0] += outcome.renewal_months == expected.in_months()
    for label, (correct, answered, total) in (
        ("governing law", law),
        ("notice period to terminate renewal (days)", notice),
        ("renewal term", renewal),
    ):
        share = correct / total if total else 0.0
        print(
            f"  {label:<44} {correct:>3}/{total:<3} correct = {share:.2f}"
            f"   (answered {answered}, wrong {answered - correct})"
        )


def _print_errors(clause_type, false_negatives, false_positives, results, contracts) -> None:
    print(f"\n=== {clause_type.code}: {len(false_negatives)} false negatives ===")
    for contract in false_negatives:
        print(f"\n--- FN {contract.name}")
        for category in clause_type.cuad_categories:
            for excerpt in contract.excerpts(category)[:3]:
                print(f"  [{category}] {' '.join(excerpt.split())[:400]}")
    print(f"\n=== {clause_type.code}: {len(false_positives)} false positives ===")
    for contract, text, spans in false_positives:
        print(f"\n--- FP {contract.name}")
        for start, end in spans[:3]:
            print(f"  {' '.join(text[start:end].split())[:400]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("heldout", "dev", "all"), default="heldout")
    parser.add_argument("--errors", metavar="CODE", help="list errors for one type (dev only)")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    args = parser.parse_args(argv)
    if args.errors and args.split != "dev":
        parser.error("--errors shows contract texts: use it with --split dev only")
    return evaluate(args.split, args.errors, args.workers)


if __name__ == "__main__":
    sys.exit(main())
