from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
CORPUS = ROOT / "corpus"
GOLD = ROOT / "tests" / "gold"


@pytest.fixture(scope="session")
def corpus_tables():
    """One run over the bundled corpus, shared by the tests that read its tables."""
    from pipeline import extract_corpus

    return extract_corpus(CORPUS)


@pytest.fixture(scope="session")
def corpus_outputs(tmp_path_factory, corpus_tables):
    from pipeline.write import write_tables

    out = tmp_path_factory.mktemp("outputs")
    write_tables(corpus_tables, out)
    return out
