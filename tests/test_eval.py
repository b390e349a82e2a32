"""The extractor against the bundled gold: scores may rise, never fall.

The levels are the ones reached when each kind landed; raise them when the
extractor improves, never lower them to make a change pass.
"""
import pytest

from pipeline.evaluate import evaluate

from .conftest import GOLD

LEVELS = {  # kind: (strict F1, value accuracy on strict matches)
    "amount": (1.0, 1.0),
    "percent": (1.0, 1.0),
    "date": (1.0, 1.0),
    "project": (1.0, 1.0),
}


@pytest.fixture(scope="module")
def scores(corpus_outputs):
    return evaluate(GOLD, corpus_outputs)


@pytest.mark.parametrize("kind", sorted(LEVELS))
def test_strict_f1_holds(kind, scores):
    s = scores[kind]
    assert s["F1"] >= LEVELS[kind][0] - 1e-9, f"misses {s['misses']}, spurious {s['spurious']}"


@pytest.mark.parametrize("kind", sorted(LEVELS))
def test_value_accuracy_holds(kind, scores):
    s = scores[kind]
    assert s["value_acc"] >= LEVELS[kind][1] - 1e-9, f"wrong values {s['wrong']}"
