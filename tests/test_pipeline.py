"""End-to-end behaviour of the API and the CLI on small inputs."""
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import extract
from pipeline.cli import main
from pipeline.nlp import build_nlp, run_nlp
from pipeline.write import FILES

from .conftest import CORPUS, RULES


def test_extract_returns_tables_with_rule_ids_and_sentences():
    t = extract("2020年，全市完成投资595.92亿元，增长4.3%。下一句。", issue_date="2021-01-07")
    amount = t["amount"].iloc[0]
    assert (amount.text, amount.value, amount.currency, amount.rule_id) == ("595.92亿元", 59592000000, "CNY", "amount.number_currency")
    assert amount.sentence == "2020年，全市完成投资595.92亿元，增长4.3%。"
    assert t["percent"].iloc[0].value == 4.3


def test_spans_in_the_spacy_doc_carry_rule_ids_and_values():
    nlp = build_nlp(str(RULES))
    doc = run_nlp(nlp, "项目总投资约25亿元，增长12%。", doc_id="d")
    span = doc.spans["amount"][0]
    assert span.text == "25亿元" and span._.rule_id == "amount.number_currency"
    assert span._.values["qualifier"] == "approx"
    assert [s.text for s in doc.spans["percent"]] == ["12%"]


def test_sentence_of_a_page_broken_mention_is_repaired():
    text = "今年以来，全市重点工作推进有力，规模工业增加值稳步回升，固定资产投资平稳，民间投资增长\n\n8.6%，增速比上年加快。"
    row = extract(text)["percent"].iloc[0]
    assert row.text == "8.6%" and "\n" not in row.sentence and "民间投资增长8.6%" in row.sentence


def test_offsets_point_into_the_original_text(corpus_tables):
    texts = {p.stem: p.read_text(encoding="utf-8") for p in CORPUS.glob("*.txt")}
    for kind, df in corpus_tables.frames.items():
        for row in df.itertuples():
            assert texts[row.doc_id][row.start:row.end] == row.text, (kind, row)


def test_cli_run_writes_every_table_with_a_bom(tmp_path):
    assert main(["run", str(CORPUS), "--out", str(tmp_path)]) == 0
    for name in [*FILES.values(), "rejects.csv", "errors.csv"]:
        raw = (tmp_path / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), name
    amounts = pd.read_csv(tmp_path / "amounts.csv", encoding="utf-8-sig")
    assert list(amounts.columns[:6]) == ["doc_id", "start", "end", "text", "sentence", "rule_id"]
    assert amounts[["doc_id", "start"]].equals(amounts.sort_values(["doc_id", "start"])[["doc_id", "start"]])


def test_a_bad_file_is_reported_and_the_batch_goes_on(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    (src / "good.txt").write_text("全市完成投资12亿元。", encoding="utf-8")
    (src / "gbk.txt").write_bytes("全市完成投资13亿元。".encode("gbk"))
    (src / "bad.txt").write_bytes(b"\x00\xff\x00\xfe")
    assert main(["run", str(src), "--out", str(tmp_path / "out")]) == 0
    amounts = pd.read_csv(tmp_path / "out" / "amounts.csv", encoding="utf-8-sig")
    assert sorted(amounts.text) == ["12亿元", "13亿元"]
    errors = pd.read_csv(tmp_path / "out" / "errors.csv", encoding="utf-8-sig")
    assert list(errors.doc_id) == ["bad"]
    assert "bad.txt" in capsys.readouterr().err


def test_eval_command_prints_scores(tmp_path, capsys, corpus_outputs):
    from .conftest import GOLD

    assert main(["eval", str(GOLD), "--out", str(corpus_outputs)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:2] == ["kind", "gold"]
    assert any(line.startswith("amount") for line in out.splitlines())


def test_extract_corpus_reads_the_manifest(corpus_tables):
    assert set(corpus_tables["amount"].doc_id) <= {p.stem for p in CORPUS.glob("*.txt")}
    assert len(corpus_tables.errors) == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_random_text_never_crashes_and_offsets_hold(text):
    t = extract(text)
    assert len(t.errors) == 0
    for df in t.frames.values():
        for row in df.itertuples():
            assert text[row.start:row.end] == row.text


NUMERIC_SENTENCE = st.sampled_from(["完成投资595.92亿元，", "增长4.3%，", "提高44.3个百分点。", "总投资约25亿元。"])


@settings(max_examples=40, deadline=None)
@given(st.lists(NUMERIC_SENTENCE, min_size=1, max_size=5), st.data())
def test_a_page_break_inside_a_number_keeps_its_value(parts, data):
    """A page break inserted inside a running-text number is repaired, and the value survives."""
    body = "今年以来全市经济运行稳中向好，" + "".join(parts)
    clean_values = sorted(extract(body)["amount"].value.tolist() + extract(body)["percent"].value.tolist())
    digits = [i for i, ch in enumerate(body) if ch.isdigit() and body[i - 1] in "0123456789."]
    cut = data.draw(st.sampled_from(digits))
    broken = body[:cut] + "\n\n" + body[cut:]
    t = extract(broken)
    assert sorted(t["amount"].value.tolist() + t["percent"].value.tolist()) == clean_values


def test_ocr_noise_is_repaired_or_rejected_never_misvalued():
    t = extract("完成投资595. 92 亿元，另有59\n92亿元待核。")
    assert list(t["amount"].value) == [59592000000]
    assert t["amount"].iloc[0].text == "595. 92 亿元"
    assert "OCR" in " ".join(t.rejects.reason)
