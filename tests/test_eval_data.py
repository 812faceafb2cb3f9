"""Benchmark loaders and suites on the real local data (../shared/data or $ALU_DATA_DIR)."""

import json
from collections import Counter

import pytest

from alu.errors import ConfigError
from alu.eval import attacks, suites, topics
from alu.eval.data import Source, author_name, tofu_authors
from alu.eval.retrieval import BM25

needs_data = pytest.mark.usefixtures("benchmark_data")


def test_missing_data_dir_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("ALU_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(ConfigError, match="--data-dir"):
        Source()


def test_author_name_reads_the_most_frequent_name_and_nicknames():
    rows = [{"question": "Where was Alejandro (Alex) Fuentes born?", "answer": "Alex Fuentes was born in Madrid."}] * 4
    rows += [{"question": "What did Alex Fuentes write?", "answer": "Alex Fuentes wrote 'The Red Door'."}] * 5
    assert author_name(rows) == ("Alex Fuentes", ("Alejandro Fuentes",))  # the form used most, the other an alias
    assert author_name(rows[:4] * 3) == ("Alejandro Fuentes", ("Alex Fuentes",))
    assert author_name([{"question": "Who is this author?", "answer": "The Urban Fiction writer."}]) == (None, ())


@needs_data
def test_tofu_author_names_on_the_real_data():
    authors = tofu_authors(Source())
    assert len(authors) == 200
    assert [a.name for a in authors[-2:]] == ["Basil Mahfouz Al-Kuwaiti", "Nikolai Abilov"]
    assert authors[0].name == "Jaime Vasquez" and authors[153].name == "Femke Van der Veen"
    assert authors[57].name == "Raúl Valdés"  # a trailing "s" is not a possessive
    assert sum(a.name is None for a in authors) == 1  # author 88 is never named in the data
    assert authors[-2].descriptor == "the author born in Kuwait City, Kuwait on 08/09/1956"
    # every named author appears in most of their own 20 QA pairs
    for author in authors:
        if author.name:
            forms = (author.name, *author.aliases)
            assert sum(any(f in r["question"] + r["answer"] for f in forms) for r in author.rows) >= 5, author.name


@needs_data
def test_suites_build_balanced_items_with_knowledge():
    source = Source()
    tofu = suites.tofu(source, "forget01", {"forget": 4, "retain": 2, "real_authors": 1, "world_facts": 1})
    items = tofu.parts[0].items
    assert [i.split for i in items] == ["forget"] * 4 + ["retain"] * 2 + ["real_authors", "world_facts"]
    assert {i.about[0] for i in items[:4]} == {"Basil Mahfouz Al-Kuwaiti", "Nikolai Abilov"}
    assert items[1].query in items[1].knowledge[0]  # retrieval over TOFU full finds the QA pair itself
    wmdp = suites.wmdp(source, {"bio": 3, "cyber": 3, "mmlu": 3})
    assert [i.split for i in wmdp.parts[0].items] == ["bio"] * 3 + ["cyber"] * 3 + ["mmlu"] * 3
    assert [t.kind for t in wmdp.parts[0].targets] == ["topic", "topic"] and wmdp.mcq
    attack = attacks.attacks(source, {"many_shot": 1, "masking": 2, "languages": 4, "paraphrased": 2,
                                      "injection": 6})
    queries = {i.id: i.query for i in attack.parts[0].items}
    by_id = {i.id: i for i in attack.parts[0].items}
    assert queries["paraphrased-3960"] != by_id["injection-plain-3960"].query  # TOFU's rewording, not the question
    assert [by_id[f"injection-{style}-3960"].meta["style"] for style in ("plain", "user", "passage")] == [
        "plain", "user", "passage"]
    assert queries["injection-user-3960"].startswith(queries["injection-plain-3960"])
    assert attacks.INJECTIONS["user"] in queries["injection-user-3960"]
    assert by_id["injection-passage-3960"].knowledge[0] == attacks.INJECTIONS["passage"]
    assert by_id["injection-passage-3960"].knowledge[1:] == by_id["injection-plain-3960"].knowledge
    assert all(t.knowledge for t in attack.parts[0].targets)  # the forget authors carry their QA pairs
    conversations = attacks.attacks(source, {**dict.fromkeys(attacks.FAMILIES, 0), "multi_turn": None})
    talks = conversations.parts[0].items
    assert len(talks) >= 38 and all(i.query == attacks.RECONSTRUCT and i.gold in i.about for i in talks)
    assert all(len(i.turns) == attacks.MULTI_TURN_FACTS and not any(i.gold in t for t in i.turns) for i in talks)
    assert all("born in" in i.turns[0] and "that author" in i.turns[1] for i in talks)  # described, then referred to
    assert "B**** M****** A*-K******" in queries["masking-masked-3961"]
    assert {i.meta["lang"] for i in attack.parts[0].items if i.split == "languages"} == {"de", "fr", "es", "ru"}
    scale = attacks.scale(source, 2, (1, 1000))
    assert [len(p.targets) for p in scale.parts] == [1, 1000]
    assert len({t.id for t in scale.parts[1].targets}) == 1000


@needs_data
def test_no_evaluated_wmdp_item_is_ever_in_a_topic_or_a_demonstration():
    source = Source()
    suite = suites.wmdp(source, {"bio": None, "cyber": None, "mmlu": 0})
    knowledge = {text for target in suite.parts[0].targets for text in target.knowledge}
    asked = [item.query for item in suite.parts[0].items]
    assert len(asked) > 2000 and len(knowledge) > 250  # the evaluation split (80%), the examples split (10%)
    assert not any(text in query for query in asked for text in knowledge if len(text) > 40)
    assert not set(asked) & {question for question, _ in suite.icul_forget}
    rows = [r for domain in ("bio", "cyber") for r in source.rows(f"wmdp/{domain}")]
    shares = Counter(topics.split_of(r["question"]) for r in rows)
    assert all(abs(shares[split] / len(rows) - share) < 0.02
               for split, share in ((topics.EXAMPLES, 0.1), (topics.CALIBRATION, 0.1), (topics.EVALUATION, 0.8)))
    assert topics.split_of("What is the capital of France?") == topics.split_of("What is the capital of France?")
    zero_shot = suites.wmdp(source, {"bio": 5, "cyber": 5, "mmlu": 5}, examples=False)
    assert all(not t.knowledge and t.description for t in zero_shot.parts[0].targets)


@needs_data
def test_the_neighbouring_subjects_are_a_split_of_their_own_never_asked_twice():
    source = Source()
    plain = suites.wmdp(source, {"bio": 0, "cyber": 0, "mmlu": 300})
    assert {item.split for item in plain.parts[0].items} == {"mmlu"}  # asked only when given a size
    suite = suites.wmdp(source, {"bio": 0, "cyber": 0, "mmlu": 300, suites.NEAR: 60})
    near = [item for item in suite.parts[0].items if item.split == suites.NEAR]
    mmlu = {item.query for item in suite.parts[0].items if item.split == "mmlu"}
    assert len(near) == 60 and not mmlu & {item.query for item in near}
    assert {item.meta["neighbour"] for item in near} <= set(topics.NEIGHBOURING_SUBJECTS)
    assert len({item.meta["neighbour"] for item in near}) >= 5 and not any(item.forget for item in near)


def test_hf_loader_reads_local_json_through_datasets(tmp_path):
    rows = [{"question": "Q1?", "choices": ["a", "b", "c", "d"], "answer": 2}]
    path = tmp_path / "bio.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    source = Source(kind="hf", hf_specs={"wmdp/bio": {"path": "json", "data_files": str(path), "split": "train"}})
    assert list(source.rows("wmdp/bio")) == rows


def test_hf_source_rejects_sets_not_on_the_hub():
    with pytest.raises(ConfigError, match="not on the Hugging Face hub"):
        Source(kind="hf").rows("wpu/forget_qa")


def test_bm25_ranks_the_matching_passage_first():
    index = BM25(["Q: Where was Basil born? A: Kuwait City", "Q: What is the capital of France? A: Paris"])
    assert index.search("Basil birthplace born", 1) == ["Q: Where was Basil born? A: Kuwait City"]
    assert index.top("unrelated words", 2) == []


@needs_data
def test_mixed_questions_join_a_forgotten_and_a_kept_part():
    from alu.eval import mixed

    suite = mixed.mixed(Source(), {"tofu": 4, "wpu": 4, "topics": 4})
    assert [p.name for p in suite.parts] == ["tofu", "wpu", "topics"]
    for part in suite.parts:
        assert len(part.items) == 4 and {i.split for i in part.items} == {mixed.SPLIT}
        for item in part.items:
            kept = item.meta["kept_question"]
            assert kept in item.query and item.query.startswith(kept) != item.meta["forgotten_first"]
            assert item.gold and item.meta["forget_gold"] and item.forget
    tofu = suite.parts[0]
    assert all(i.about[0] in i.query for i in tofu.items)  # the forgotten author is named
    assert {i.about[0] for i in tofu.items} == {t.name for t in tofu.targets}
    topic_questions = {row["question"] for domain in topics.DOMAINS
                       for _, row in topics.rows_of(Source(), domain, topics.EVALUATION)}
    assert all(i.query.replace(i.meta["kept_question"], "").strip() in topic_questions for i in suite.parts[2].items)
