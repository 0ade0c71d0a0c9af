"""The trained clause classifier: one calibrated linear model per CUAD category, over segments.

Trained by ``make train-clauses`` (``bench/train_clauses.py``) on the development split of CUAD
only, and shipped as ``clause_model.joblib`` beside this file (a few MB: two TF-IDF vocabularies,
a float32 weight matrix, Platt calibration and a threshold per category). Nothing is downloaded
at run time and the model runs on a CPU in milliseconds per contract.

Features of a segment: TF-IDF of its words and word pairs; TF-IDF of its heading and the title of
the article it sits in; and which of the explainable rules (``classify.py``) fired on it, so the
model learns how far to trust each rule. A category's score is a logistic-regression decision
value turned into a probability by a sigmoid fitted on out-of-fold scores (Platt scaling): the
confidence shown to a reviewer is that calibrated probability. A segment gets the category when
the probability reaches the category's threshold, chosen on out-of-fold development predictions
to maximise document-level F1.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .segment import Segment

MODEL_PATH = Path(__file__).with_name("clause_model.joblib")
FORMAT_VERSION = 1
# Below this calibrated probability a proposal is marked "needs attention" for the reviewer.
ATTENTION_BELOW = 0.5
PREVIOUS_WEIGHT = 0.5


def segment_heading(piece: Segment) -> str:
    return f"{piece.heading} | {piece.context}" if piece.context else piece.heading


@dataclass(slots=True)
class ClauseModel:
    categories: tuple[str, ...]
    body: Any  # sklearn TfidfVectorizer
    head: Any  # sklearn TfidfVectorizer
    rule_codes: tuple[str, ...]
    rule_weight: float
    weights: np.ndarray  # (n_features, n_categories) float32
    bias: np.ndarray  # (n_categories,)
    platt: np.ndarray  # (n_categories, 2): p = 1 / (1 + exp(-(a * score + b)))
    thresholds: np.ndarray  # (n_categories,)
    meta: dict[str, Any] = field(default_factory=dict)

    def features(
        self,
        pieces: Sequence[Segment],
        rule_hits: Sequence[set[str]],
        groups: Sequence[int] | None = None,
    ) -> Any:
        """One row per segment. ``groups`` (training only) says which contract each segment is
        from, so that the previous-segment features never cross from one contract to the next."""
        from scipy import sparse

        body = self.body.transform([piece.text for piece in pieces])
        # The previous segment's words, at a lower weight: a sub-clause "(b) on sixty days'
        # notice" is read with its lead-in "Either party may terminate this Agreement:".
        keep = np.ones(len(pieces), dtype=np.float32)
        keep[0] = 0.0
        if groups is not None:
            same = np.asarray(groups[1:]) == np.asarray(groups[:-1])
            keep[1:] = same.astype(np.float32)
        shift = sparse.diags(
            keep[1:] * PREVIOUS_WEIGHT, offsets=-1, shape=(len(pieces), len(pieces))
        )
        previous = (shift @ body).astype(np.float32)
        head = self.head.transform([segment_heading(piece) for piece in pieces])
        rows, cols = [], []
        index = {code: position for position, code in enumerate(self.rule_codes)}
        for row, hits in enumerate(rule_hits):
            for code in hits:
                if code in index:
                    rows.append(row)
                    cols.append(index[code])
        rules = sparse.csr_matrix(
            (np.full(len(rows), self.rule_weight, dtype=np.float32), (rows, cols)),
            shape=(len(pieces), len(self.rule_codes)),
        )
        return sparse.hstack([body, head, rules, previous], format="csr", dtype=np.float32)

    def scores(self, features: Any) -> np.ndarray:
        return np.asarray(features @ self.weights) + self.bias

    def calibrate(self, scores: np.ndarray) -> np.ndarray:
        a, b = self.platt[:, 0], self.platt[:, 1]
        return 1.0 / (1.0 + np.exp(-(scores * a + b)))

    def probabilities(self, pieces: Sequence[Segment], rule_hits: Sequence[set[str]]) -> np.ndarray:
        """(segments x categories) calibrated probabilities."""
        if not pieces:
            return np.zeros((0, len(self.categories)))
        return self.calibrate(self.scores(self.features(pieces, rule_hits)))

    def to_artifact(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "categories": list(self.categories),
            "body": self.body,
            "head": self.head,
            "rule_codes": list(self.rule_codes),
            "rule_weight": self.rule_weight,
            # float16 halves the artifact; the scores move by less than 1e-3.
            "weights": self.weights.astype(np.float16),
            "bias": self.bias.astype(np.float32),
            "platt": self.platt.astype(np.float64),
            "thresholds": self.thresholds.astype(np.float64),
            "meta": self.meta,
        }

    @classmethod
    def from_artifact(cls, data: dict[str, Any]) -> ClauseModel:
        if data.get("format") != FORMAT_VERSION:
            raise ValueError(f"clause model format {data.get('format')!r} is not supported")
        return cls(
            categories=tuple(data["categories"]),
            body=data["body"],
            head=data["head"],
            rule_codes=tuple(data["rule_codes"]),
            rule_weight=float(data["rule_weight"]),
            weights=np.asarray(data["weights"], dtype=np.float32),
            bias=data["bias"],
            platt=data["platt"],
            thresholds=data["thresholds"],
            meta=data.get("meta", {}),
        )


def model_path() -> Path:
    override = os.environ.get("PARTNERLINE_CLAUSE_MODEL")
    return Path(override) if override else MODEL_PATH


@lru_cache(maxsize=1)
def load_model() -> ClauseModel | None:
    """The shipped model, loaded once per process; None when the artifact is absent (the
    detector then falls back to its rules alone)."""
    path = model_path()
    if not path.is_file():
        return None
    import joblib

    return ClauseModel.from_artifact(joblib.load(path))
