"""A run tunes the cyclic garbage collector while it runs (what is loaded frozen, the youngest
generation collected less often) and leaves it as it found it."""
import gc
import io
import shutil

from pipeline import batch
from pipeline.batch import Progress, run

from .conftest import CORPUS


def test_a_run_freezes_the_loaded_objects_and_unfreezes_them(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in sorted(CORPUS.glob("*.txt"))[:2]:
        shutil.copy(path, corpus / path.name)
    seen, process_batch = [], batch.process_batch

    def counting(*args, **kwargs):
        seen.append((gc.get_freeze_count(), gc.get_threshold()))
        return process_batch(*args, **kwargs)

    monkeypatch.setattr(batch, "process_batch", counting)
    before, thresholds = gc.get_freeze_count(), gc.get_threshold()
    summary = run([corpus], tmp_path / "out", workers=1, hooks=False, progress=Progress(0, stream=io.StringIO()))
    assert summary.new == 2 and seen
    assert all(frozen > before and during[0] >= batch.YOUNG_GC_THRESHOLD for frozen, during in seen)
    assert (gc.get_freeze_count(), gc.get_threshold()) == (before, thresholds)
