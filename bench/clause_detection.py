"""Measure the clause detector against CUAD's expert labels, on the held-out split by default.

    python bench/clause_detection.py [--split heldout|dev|all] [--errors CATEGORY] [--workers N]

CUAD v1 (The Atticus Project, CC BY 4.0) lives beside the repository in ``../shared/data/cuad``
(override with ``PARTNERLINE_SHARED_DATA``). Contracts are split deterministically by the SHA-256
of their normalised file stem (``bench/cuad.py``, rule in docs/clause-detection.md): 30% held
out. The rules and the trained model (``make train-clauses``) only ever saw the development
split; the held-out split is for reporting. ``--errors`` lists false negatives and false positives
with the CUAD excerpts, and refuses to run on the held-out split so nobody tunes on it by accident.

Reported per CUAD category with a clause type, at the document level: precision, recall and F1 (a
contract is positive when CUAD has a "Yes" answer or a non-empty excerpt; the detector is positive
when it reports at least one clause of the category's type), with macro-F1 over the 24 product
categories and over the ten core ones; excerpt recall (share of CUAD excerpts overlapped by a
detected clause of the type); the extracted governing law, notice period and renewal term against
CUAD's normalised answers; and detection time per contract (median, 95th percentile, maximum).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
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

from bench.cuad import (  # noqa: E402
    Contract,
    cuad_dir,
    load_contracts,
    locate,
    split_sizes,
)
from bench.cuad import squash as _squash  # noqa: E402
from contracts.detection import detect, load_model  # noqa: E402
from contracts.detection.params import Duration, find_durations  # noqa: E402
from contracts.detection.taxonomy import (  # noqa: E402
    BY_CATEGORY,
    CORE_CATEGORIES,
    MODEL_CATEGORIES,
    PRODUCT_CATEGORIES,
)


@dataclass
class Outcome:
    name: str
    spans: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    governing_law: str | None = None
    notice_days: int | None = None
    renewal_months: Decimal | None = None
    seconds: float = 0.0  # wall clock
    cpu_seconds: float = 0.0  # this process's CPU time: what the detector costs on a busy machine


def run_one(path: Path) -> tuple[str, Outcome]:
    text = path.read_text(encoding="utf-8", errors="replace")
    started, cpu_started = time.perf_counter(), time.process_time()
    result = detect(text)
    outcome = Outcome(
        name=path.name,
        seconds=time.perf_counter() - started,
        cpu_seconds=time.process_time() - cpu_started,
    )
    for clause in result.clauses:
        outcome.spans.setdefault(clause.code, []).append((clause.start, clause.end))
    outcome.governing_law = result.facts.governing_law
    outcome.notice_days = result.facts.notice_period_days
    if result.facts.renewal_term:
        outcome.renewal_months = result.facts.renewal_term.in_months()
    return text, outcome


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


def _warm_up() -> None:
    load_model()  # once per worker, outside the timed detection


def evaluate(split: str, errors_for: str | None, workers: int) -> int:
    if not cuad_dir().is_dir():
        print(f"CUAD not found at {cuad_dir()}; set PARTNERLINE_SHARED_DATA.", file=sys.stderr)
        return 2
    dev, held = split_sizes()
    contracts = load_contracts(split)
    model = load_model()
    print(f"CUAD split: {dev} development, {held} held out; evaluating '{split}': {len(contracts)}")
    print(
        "detector: "
        + (
            f"trained model + rules ({model.meta.get('segments')} training segments)"
            if model
            else "rules only (no model artifact)"
        )
    )

    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers, initializer=_warm_up) as pool:
        results = list(pool.map(run_one, [c.path for c in contracts], chunksize=4))
    elapsed = time.perf_counter() - started

    squashed_texts: dict[str, tuple[str, list[int]]] = {}
    rows = {}
    for category in MODEL_CATEGORIES:
        code = BY_CATEGORY[category].code
        tp = fp = fn = 0
        excerpts_found = excerpts_total = 0
        false_negatives, false_positives = [], []
        for contract, (text, outcome) in zip(contracts, results, strict=True):
            truth = contract.is_positive(category)
            spans = outcome.spans.get(code, [])
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
            if contract.name not in squashed_texts:
                squashed_texts[contract.name] = _squash(text)
            squashed, index = squashed_texts[contract.name]
            for excerpt in contract.excerpts(category):
                where = locate(excerpt, squashed, index)
                if where is None:
                    continue
                excerpts_total += 1
                if any(s < where[1] and where[0] < e for s, e in spans):
                    excerpts_found += 1
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        if tp + fp + fn == 0:  # no positive contract and no false alarm: nothing to get wrong
            precision = recall = f1 = 1.0
        excerpt_recall = excerpts_found / excerpts_total if excerpts_total else 0.0
        rows[category] = (code, tp + fn, tp, fp, fn, precision, recall, f1, excerpt_recall)
        if errors_for == category:
            _print_errors(category, false_negatives, false_positives)

    print()
    header = (
        f"{'CUAD category':<36} {'clause type':<30} "
        f"{'pos':>4} {'P':>5} {'R':>5} {'F1':>5} {'excR':>5}"
    )
    print(header)
    print("-" * len(header))
    for category in MODEL_CATEGORIES:
        code, positives, _tp, _fp, _fn, p, r, f1, er = rows[category]
        mark = " *" if category in CORE_CATEGORIES else ""
        print(
            f"{(category + mark):<36} {code:<30} {positives:>4} {p:>5.2f} {r:>5.2f} "
            f"{f1:>5.2f} {er:>5.2f}"
        )
        if category == PRODUCT_CATEGORIES[-1]:
            print("-" * len(header) + "  (below: outside the 24, not in the averages)")
    print("-" * len(header))
    totals = defaultdict(int)
    for category in PRODUCT_CATEGORIES:
        _, _, tp, fp, fn, *_ = rows[category]
        totals["tp"] += tp
        totals["fp"] += fp
        totals["fn"] += fn
    micro_p = totals["tp"] / (totals["tp"] + totals["fp"]) if totals["tp"] + totals["fp"] else 0
    micro_r = totals["tp"] / (totals["tp"] + totals["fn"]) if totals["tp"] + totals["fn"] else 0
    micro_f1 = 2 * micro_p * micro_r / (micro_p + micro_r) if micro_p + micro_r else 0
    macro_24 = statistics.fmean(rows[c][7] for c in PRODUCT_CATEGORIES)
    macro_core = statistics.fmean(rows[c][7] for c in CORE_CATEGORIES)
    print(f"{'micro average over the 24':<72} {micro_p:>5.2f} {micro_r:>5.2f} {micro_f1:>5.2f}")
    print(f"{'macro F1 over the 24 product categories (target 0.85)':<79} {macro_24:>5.2f}")
    print(f"{'macro F1 over the 10 core categories (*) (target 0.90)':<79} {macro_core:>5.2f}")

    print()
    print("Extracted values against CUAD's normalised answers (where CUAD has one):")
    _report_values(contracts, results)
    print("\nDetection time per contract (target: median < 0.5 s, none > 3 s):")
    for label, times in (
        ("wall clock", sorted(outcome.seconds for _, outcome in results)),
        ("CPU", sorted(outcome.cpu_seconds for _, outcome in results)),
    ):
        if times:
            p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
            print(
                f"  {label:<11} median {statistics.median(times):.3f} s, p95 {p95:.3f} s, "
                f"max {times[-1]:.3f} s"
            )
    print(f"  machine load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{len(contracts)} contracts in {elapsed:.1f} s wall clock ({workers} workers)")
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
        (
            "all labelled cases (target 0.80)",
            [a + b + c for a, b, c in zip(law, notice, renewal, strict=True)],
        ),
    ):
        share = correct / total if total else 0.0
        print(
            f"  {label:<44} {correct:>3}/{total:<3} correct = {share:.2f}"
            f"   (answered {answered}, wrong {answered - correct})"
        )


def _print_errors(category, false_negatives, false_positives) -> None:
    print(f"\n=== {category}: {len(false_negatives)} false negatives ===")
    for contract in false_negatives:
        print(f"\n--- FN {contract.name}")
        for excerpt in contract.excerpts(category)[:3]:
            print(f"  {' '.join(excerpt.split())[:400]}")
    print(f"\n=== {category}: {len(false_positives)} false positives ===")
    for contract, text, spans in false_positives:
        print(f"\n--- FP {contract.name}")
        for start, end in spans[:3]:
            print(f"  {' '.join(text[start:end].split())[:400]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("heldout", "dev", "all"), default="heldout")
    parser.add_argument(
        "--errors", metavar="CATEGORY", help="list errors for one CUAD category (dev only)"
    )
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    args = parser.parse_args(argv)
    if args.errors and args.split != "dev":
        parser.error("--errors shows contract texts: use it with --split dev only")
    return evaluate(args.split, args.errors, args.workers)


if __name__ == "__main__":
    sys.exit(main())
