"""The project kind: rule-file examples run through clean + find, and the parts
(name normalisation, verdicts, lists, index, lexicon) one by one."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pipeline.clean import clean
from pipeline.kinds import project
from pipeline.kinds.base import ArticleContext
from pipeline.rules import RuleError, load_rules
from pipeline.segment import get_segmenter, read_lexicon

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
LEXICON = RULES / "lexicon"


@pytest.fixture(scope="module")
def seg():
    return get_segmenter(str(LEXICON))


def extract_projects(text: str, seg, rules_dir: Path = RULES) -> list:
    """Clean the text, run ``project.find`` and map offsets back, as the framework does."""
    cleaned = clean(text, seg)
    work = cleaned.text
    tokens = [(s, e) for _, s, e in seg.tokenize(work)]
    sentences, pos = [], 0
    for m in re.finditer(r"[。！？；\n]", work + "\n"):
        sentences.append((pos, m.end()))
        pos = m.end()
    ctx = ArticleContext("t", work, tokens, sentences, seg)
    out = []
    for m in project.find(ctx, load_rules("project", rules_dir)):
        start, end = cleaned.to_original(m.start, m.end)
        out.append({"text": text[start:end], "rule": m.rule_id, "reject": m.reject, **m.values})
    return out


def _example_cases():
    for i, ex in enumerate(load_rules("project", RULES).examples):
        marks = [pytest.mark.xfail(strict=True, reason=ex["xfail"])] if ex.get("xfail") else []
        yield pytest.param(ex, id=f"project-{i}-{ex['text'][:16]}", marks=marks)


@pytest.mark.parametrize("example", list(_example_cases()))
def test_rule_file_example(example, seg):
    kept = [r for r in extract_projects(example["text"], seg) if not r["reject"]]
    expected = example.get("expect") or []
    assert [r["text"] for r in kept] == [e["text"] for e in expected]
    for want, got in zip(expected, kept):
        for field, value in want.items():
            assert got[field] == value, f"{field}: {got[field]!r} != {value!r}"


def test_enough_examples_found_and_not_found():
    examples = load_rules("project", RULES).examples
    assert len(examples) >= 60
    assert sum(1 for e in examples if e.get("expect")) >= 20
    assert sum(1 for e in examples if not e.get("expect")) >= 20


def test_every_rule_id_has_an_example():
    rules = load_rules("project", RULES)
    named = {e.get("rule") for ex in rules.examples for e in ex.get("expect") or []}
    assert {p.id for p in rules.patterns} == set(project.RULE_IDS)
    assert set(project.RULE_IDS) <= named


def test_name_drops_quotes_and_page_breaks():
    assert project.normalise_name("“船山时间谷”钟表产业园项目") == "船山时间谷钟表产业园项目"
    assert project.normalise_name("衡阳市政务\n\n服务中心") == "衡阳市政务服务中心"
    assert project.normalise_name("衡阳(国际)眼镜小镇") == "衡阳(国际)眼镜小镇"


@pytest.mark.parametrize("text,reason", [
    ("全市283个市重点项目完成投资", "counted"),
    ("今年重大项目进展顺利", "generic"),
    ("着力实施“八大工程”", "counted"),
    ("深入实施人才强市工程", "policy"),
    ("打造钨材深加工产业基地", "goal"),
    ("建成亚洲最大的光伏组件生产基地", "description"),
    ("中南地区区域医疗中心投入运营", "role"),
    ("学习《关于加快长沙智能制造产业园建设的意见》", "title"),
])
def test_rejected_candidates_carry_a_reason(text, reason, seg):
    rows = extract_projects(text, seg)
    assert rows and all(r["reject"] for r in rows)
    assert reason in {r["reject"] for r in rows}


def test_list_items_of_companies_and_zones_are_rejected(seg):
    rows = extract_projects("推进长沙经开区、株洲高新区、常德烟草产业园建设", seg)
    kept = [r["text"] for r in rows if not r["reject"]]
    assert kept == ["常德烟草产业园"]
    assert {"长沙经开区": "zone"}.items() <= {r["text"]: r["reject"] for r in rows}.items()


def test_same_project_twice_gets_the_same_name(seg):
    text = "长沙比亚迪新能源汽车产业园项目开工。据悉，长沙比亚迪新能源汽车产业园项目总投资50亿元。"
    kept = [r for r in extract_projects(text, seg) if not r["reject"]]
    assert len(kept) == 2 and kept[0]["name"] == kept[1]["name"] == "长沙比亚迪新能源汽车产业园项目"


def test_offsets_point_into_the_original_text(seg):
    text = "今年以来，全市持续深化放管服改革，不断优化营商环境，办事群众在衡阳市政务\n\n服务中心可一次办成多项事务。"
    (row,) = [r for r in extract_projects(text, seg) if not r["reject"]]
    assert row["text"] == "衡阳市政务\n\n服务中心" and row["name"] == "衡阳市政务服务中心"


def test_word_lists_are_data(tmp_path, seg):
    """Removing a head word from the rule file, with no code change, stops its names."""
    rules_dir = tmp_path / "rules"
    shutil.copytree(RULES, rules_dir, ignore=shutil.ignore_patterns("lexicon"))
    data = yaml.safe_load((rules_dir / "project.yaml").read_text(encoding="utf-8"))
    text = "醴陵陶瓷科创园入驻企业超过50家"
    assert [r["text"] for r in extract_projects(text, seg, rules_dir) if not r["reject"]] == ["醴陵陶瓷科创园"]
    data["heads"].remove("科创园")
    changed = tmp_path / "changed"  # a new folder: the rule loader caches files by path
    shutil.copytree(rules_dir, changed)
    (changed / "project.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert [r for r in extract_projects(text, seg, changed) if not r["reject"]] == []


def test_rule_file_without_the_three_rule_ids_is_refused(tmp_path):
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    data = yaml.safe_load((RULES / "project.yaml").read_text(encoding="utf-8"))
    data["patterns"] = [p for p in data["patterns"] if p["id"] != "project.list_item"]
    (rules_dir / "project.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    ctx = ArticleContext("t", "某某项目", [(0, 4)], [(0, 4)], get_segmenter(""))
    with pytest.raises(RuleError, match="project.list_item"):
        project.find(ctx, load_rules("project", rules_dir))


def test_projects_index_counts_articles_and_mentions():
    df = pd.DataFrame({
        "doc_id": ["a", "a", "b", "b", "c"],
        "name": ["甲产业园", "甲产业园", "甲产业园", "乙项目", "乙项目"],
        "head": ["产业园", "产业园", "产业园", "项目", "项目"],
    })
    index = project.build_projects_index(df)
    assert list(index.columns) == ["name", "head", "articles", "mentions"]
    assert index.to_dict("records") == [
        {"name": "甲产业园", "head": "产业园", "articles": 2, "mentions": 3},
        {"name": "乙项目", "head": "项目", "articles": 2, "mentions": 2},
    ]


def test_projects_index_of_nothing_is_empty_with_columns():
    assert list(project.build_projects_index(pd.DataFrame()).columns) == ["name", "head", "articles", "mentions"]


def test_lexicon_files_parse_and_are_not_empty():
    files = sorted(LEXICON.glob("*.txt"))
    assert {f.name for f in files} >= {"places.txt", "project_terms.txt"}
    for path in files:
        entries = list(read_lexicon(path))
        assert entries, path
        assert all(tag in ("ns", "n", "nt") for _, _, tag in entries), path


def test_place_lexicon_keeps_county_names_whole(seg):
    words = [w for w, _ in seg.tag("祁东县和衡东县")]
    assert "祁东县" in words or "祁东" in words
    assert ("衡东县" in words or "衡东" in words)


@pytest.mark.parametrize("word", ["遵义", "大连", "怀化", "保定", "合肥"])
def test_city_short_forms_are_places_whatever_jiebas_own_tag(seg, word):
    # jieba's dictionary tags these v, d, v, v, n; the lexicon's ns must win
    assert (word, "ns") in seg.tag(f"和{word}高铁新城")


@pytest.mark.parametrize("word", ["合作", "来宾"])
def test_everyday_words_that_are_also_city_names_stay_ordinary(seg, word):
    assert all(tag != "ns" for w, tag in seg.tag(f"双方{word}") if w == word)


@pytest.mark.parametrize("text, words", [
    ("其中德国企业", ["其中", "德国"]), ("其中新增项目", ["其中", "新增"]), ("集中新建", ["集中", "新建"]),
    ("其中韩国", ["其中", "韩国"]), ("其中日均", ["其中", "日均"]), ("其中以工业为主", ["其中", "以"]),
    ("其中法人单位", ["其中", "法人"]), ("高中新校区", ["高中"]),
])
def test_bilateral_park_prefixes_leave_everyday_cuts_alone(seg, text, words):
    # name_parts.txt adds 中德, 中新, 中韩 …: jieba must still cut 其中/德国 and 其中/新增
    cut = [w for w, _ in seg.tag(text)]
    assert cut[:len(words)] == words, cut


@pytest.mark.parametrize("text, word", [("中德生态园", "中德"), ("中新广州知识城", "中新"), ("中马钦州产业园", "中马")])
def test_bilateral_park_prefixes_are_places(seg, text, word):
    assert (word, "ns") in seg.tag(text)


@pytest.mark.parametrize("text, word", [
    ("天合光能年产10GW组件项目", "天合光能"), ("中车四方高速列车基地", "中车四方"), ("一汽解放青岛基地", "一汽解放"),
    ("宁德时代宜宾基地", "宁德时代"), ("蔚来合肥基地", "蔚来"), ("欣旺达电池项目", "欣旺达"), ("三一重工产业园", "三一重工"),
])
def test_company_gazetteer_keeps_short_names_whole_as_organisations(seg, text, word):
    # jieba cuts 天合光/能, 中车/四方, 一汽/解放 and tags 蔚来 v, 欣旺达 a: companies.txt makes them nt
    assert (word, "nt") in seg.tag(text)


@pytest.mark.parametrize("text, words", [
    ("集中建设新时代", ["集中", "建设", "新", "时代"]), ("途中铁路", ["途中", "铁路"]), ("全国投资", ["全国", "投资"]),
    ("每天能够", ["每天", "能够"]), ("水平高", ["水平", "高"]), ("思想解放", ["思想解放"]),
    ("宁德市", ["宁德市"]), ("远景目标", ["远景", "目标"]), ("最美的乡村", ["最美", "的", "乡村"]),
    ("理想信念", ["理想信念"]), ("新融创科技", ["新融", "创"]),
])
def test_company_gazetteer_leaves_everyday_cuts_alone(seg, text, words):
    # the cuts jieba gives without companies.txt: short names that are everyday words are left out
    cut = [w for w, _ in seg.tag(text)]
    assert cut[:len(words)] == words, cut
