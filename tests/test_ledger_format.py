"""The ledger's record blobs: msgpack now, zlib(JSON) in ledgers written before. A rerun over an
old output folder reads the old blobs and writes the same tables byte for byte."""
import io
import json
import sqlite3
import zlib

from pipeline import batch
from pipeline.batch import Progress, run
from pipeline.ledger import ArticleResult, _unpack, pack

from .conftest import CORPUS

TABLES = ["amounts.csv", "percents.csv", "dates.csv", "projects.csv", "rejects.csv", "errors.csv",
          "facts.csv", "projects_index.csv"]


def _quiet():
    return Progress(0, stream=io.StringIO())


def test_pack_keeps_every_value_and_type():
    payload = {"rows": {"amount": [["d", 1, 5, "595.92亿元", "句子", "r1", 59592000000.0, None, "CNY", "exact"]],
                        "percent": [[ "d", 7, 9, "0.1%", "s", "r2", 0.1 + 0.2, 1e-300, None, "approx"]]},
               "rejects": [["d", "amount", 3, 4, "x", "r3", "why"]], "errors": []}
    blob = pack(payload)
    assert blob[:1] == b"m"
    assert _unpack(blob) == payload
    assert _unpack(zlib.compress(json.dumps(payload, ensure_ascii=False).encode(), 1)) == payload  # old blobs


def test_a_sealed_result_is_recorded_as_the_unsealed_one(tmp_path):
    from pipeline.ledger import Ledger

    made = lambda: ArticleResult("d", "p", "h", rows={"amount": [["d", 1, 2, "x", "s", "r", 1.5, None, "CNY", "exact"]]},
                                 rejects=[["d", "amount", 3, 4, "y", "r", "why"]])
    sealed = made()
    sealed.seal()
    assert sealed.rows == {"amount": []} and sealed.counts() == made().counts()
    for name, result in (("a", made()), ("b", sealed)):
        ledger = Ledger(tmp_path / f"{name}.sqlite")
        ledger.record([result], "v")
        assert list(ledger.payloads(["d"]))[0][2] == _unpack(pack({"rows": made().rows, "rejects": made().rejects,
                                                                   "errors": []}))
        ledger.close()


def test_a_rerun_over_an_old_json_ledger_writes_the_same_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "BATCH_BYTES", 8 * 1024)
    out = tmp_path / "out"
    run([CORPUS], out, workers=2, progress=_quiet())
    before = {name: (out / name).read_bytes() for name in TABLES}
    db = sqlite3.connect(out / "ledger.sqlite")
    with db:  # the blobs as the ledger stored them before msgpack
        for doc_id, blob in db.execute("SELECT doc_id, records FROM articles").fetchall():
            old = zlib.compress(json.dumps(_unpack(blob), ensure_ascii=False).encode("utf-8"), 1)
            db.execute("UPDATE articles SET records = ? WHERE doc_id = ?", (old, doc_id))
        db.execute("DELETE FROM meta")  # the outputs are written again
    assert all(b[:1] == b"x" for (b,) in db.execute("SELECT records FROM articles"))
    db.close()
    for name in TABLES:
        (out / name).unlink()
    summary = run([CORPUS], out, workers=1, progress=_quiet())
    assert summary.skipped == 5 and summary.new == summary.changed == 0 and summary.wrote
    assert {name: (out / name).read_bytes() for name in TABLES} == before


def test_rows_share_their_repeated_strings_once_read_back():
    sentence = "2020年，283个市重点项目完成投资595.92亿元，占年度任务94.9%。"
    rows = [["d", 0, 5, "a", sentence, "r1", 1.0, None, "CNY", "exact"],
            ["d", 9, 12, "b", sentence, "r1", 2.0, None, "CNY", "exact"]]
    payload = {"rows": {"amount": rows}, "rejects": [], "errors": []}
    copy = json.loads(json.dumps(payload))
    back = _unpack(pack(payload))
    assert back == copy and payload == copy  # the payload given is left as it was
    assert back["rows"]["amount"][0][4] is back["rows"]["amount"][1][4]
