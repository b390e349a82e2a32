"""The Dask engine on a real (local, loopback) cluster writes what one process writes."""
import io
import logging

import pytest

from pipeline import batch
from pipeline.batch import Progress, run

from .conftest import CORPUS

distributed = pytest.importorskip("distributed")

TABLES = ["amounts.csv", "percents.csv", "dates.csv", "projects.csv", "rejects.csv", "errors.csv", "facts.csv"]


def test_dask_cluster_outputs_equal_a_single_process_run(tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "BATCH_BYTES", 16 * 1024)  # several tasks, finishing out of order
    single = tmp_path / "single"
    run([CORPUS], single, workers=1, progress=Progress(0, io.StringIO()))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, silence_logs=logging.WARNING) as cluster:
        out = tmp_path / "dask"
        summary = run([CORPUS], out, engine="dask", scheduler=cluster.scheduler_address,
                      progress=Progress(0, io.StringIO()))
    for name in TABLES:
        assert (out / name).read_bytes() == (single / name).read_bytes(), name
    assert summary.new == 5 and summary.failed == 0
    assert len([pid for pid in summary.peak_rss_mb if pid != "main"]) == 2  # both workers took tasks


def test_dask_local_cluster_outputs_equal_a_single_process_run(tmp_path):
    # no scheduler: run() starts its own cluster and prepares its workers (_prepare_worker)
    single, out = tmp_path / "single", tmp_path / "dask"
    run([CORPUS], single, workers=1, progress=Progress(0, io.StringIO()))
    summary = run([CORPUS], out, engine="dask", workers=2, progress=Progress(0, io.StringIO()))
    for name in TABLES:
        assert (out / name).read_bytes() == (single / name).read_bytes(), name
    assert summary.new == 5 and summary.failed == 0


def test_a_prepared_worker_has_the_pipeline_loaded_and_the_run_gc(monkeypatch):
    import gc

    thresholds = gc.get_threshold()
    built = []
    monkeypatch.setattr(batch, "build_nlp", built.append)
    try:
        batch._prepare_worker("some/rules")
        assert built == ["some/rules"]
        assert gc.get_threshold()[0] >= 10_000 and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
