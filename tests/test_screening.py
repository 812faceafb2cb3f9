"""TargetIndex: add/remove/re-add without a rebuild, the candidate cap, the embedding cache, and recall on real
TOFU/WPU names with the real MiniLM."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from conftest import WordEmbedder

from alu.ann import InvertedFile
from alu.embedding import DIM, EmbeddingCache, get_embedder
from alu.screening import TargetIndex
from alu.targets import Target

VASQUEZ = Target("Jaime Vasquez", description="true crime novelist from Santiago, Chile")
VARCHI = Target("Benedetto Varchi", description="Italian humanist, historian and poet of the Renaissance")


class CountingEmbedder(WordEmbedder):
    """Bag-of-words vectors that records every text it encodes."""

    cache_key = "counting-test-embedder"

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.encoded.extend(texts)
        return super().encode(texts)


def code(number: int) -> str:
    """A word the bag-of-words embedder sees (it ignores digits): 2500 -> 'wordcfaa'."""
    return "word" + "".join(chr(97 + int(d)) for d in str(number))


def ids(candidates) -> list[str]:
    return [c.target.id for c in candidates]


def test_add_remove_readd_without_rebuild():
    index = TargetIndex([VASQUEZ], embedder=WordEmbedder())
    index.add(VARCHI)
    assert ids(index.screen(["Who was Benedetto Varchi?"], "", 16, 0.45)) == [VARCHI.id]
    index.remove(VARCHI.id)
    assert index.screen(["Who was Benedetto Varchi?"], "", 16, 0.45) == []
    assert index.similar(["Italian humanist historian poet Renaissance"], 5) == [] or all(
        tid != VARCHI.id for tid, _ in index.similar(["Italian humanist historian poet Renaissance"], 5)
    )
    index.add(VARCHI)
    assert ids(index.screen(["Varchi's sonnets"], "", 16, 0.45)) == [VARCHI.id]
    assert index.similar(["Italian humanist historian poet Renaissance"], 1)[0][0] == VARCHI.id
    assert len(index) == 2 and len(index._ids) == 2  # the freed row was reused, not appended


def test_many_adds_and_removes_keep_rows_bounded():
    embedder = WordEmbedder()
    index = TargetIndex([], embedder=embedder)
    people = [Target(f"Person{i} Surname{i}", description=f"keyword {code(i)}") for i in range(3000)]
    index.add_many(people)
    for person in people[:1000]:
        index.remove(person.id)
    index.add_many([Target(f"Other{i} Family{i}") for i in range(1000)])
    assert len(index) == 3000 and len(index._ids) == 3000
    assert people[2500].id in [tid for tid, _ in index.similar([f"keyword {code(2500)}"], 50)]
    assert people[10].id not in [tid for tid, _ in index.similar([f"keyword {code(10)}"], 3000)]


def test_candidates_are_capped_and_full_names_come_first():
    namesakes = [Target(f"{first} Nguyen") for first in ("Bao", "Linh", "Thanh", "Minh", "Anh", "Hoa")]
    index = TargetIndex(namesakes, embedder=WordEmbedder())
    text = "Nguyen's novel was praised; Thanh Nguyen wrote it."
    candidates = index.screen([text], "", 3, 0.45)
    assert len(candidates) == 3
    assert candidates[0].target.name == "Thanh Nguyen"
    # "Nguyen" inside "Thanh Nguyen" is not a mention of the other Nguyens; the earlier "Nguyen's" is.
    assert all(m.start == 0 for c in candidates[1:] for m in c.query_mentions)


def test_embedding_cache_hit_on_second_build(tmp_path):
    cache = EmbeddingCache(tmp_path / "embeddings.sqlite")
    first = CountingEmbedder()
    TargetIndex([VASQUEZ, VARCHI], embedder=first, cache=cache)
    assert sorted(first.encoded) == sorted([VASQUEZ.profile, VARCHI.profile])
    second = CountingEmbedder()  # a restart: new process state, same cache file
    index = TargetIndex([VASQUEZ, VARCHI], embedder=second, cache=EmbeddingCache(tmp_path / "embeddings.sqlite"))
    assert second.encoded == [] and index.encoded == 0
    changed = Target("Jaime Vasquez", description="true crime novelist, now living in Lisbon")
    index.add(changed)  # a new profile text is encoded; the unchanged one is not
    assert second.encoded == [changed.profile]
    expected = WordEmbedder().encode([VARCHI.profile])[0]
    assert np.allclose(index._vectors[index._row[VARCHI.id]], expected, atol=1e-3)


def test_fake_embedders_never_touch_the_user_cache():
    assert TargetIndex([VASQUEZ], embedder=WordEmbedder()).cache is None


class RandomEmbedder:
    """A random unit vector per text (seeded by the text), or the vector planted for it."""

    def __init__(self) -> None:
        self.planted: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = np.stack([self.planted.get(t, _random_vector(t)) for t in texts]).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _random_vector(text: str) -> np.ndarray:
    return np.random.default_rng(int.from_bytes(hashlib.sha256(text.encode()).digest()[:8])).standard_normal(DIM)


def people(start: int, stop: int) -> list[Target]:
    return [Target(f"Person{code(i)} Family{code(i)}") for i in range(start, stop)]


def small_ivf() -> InvertedFile:
    return InvertedFile(centroids=16, nprobe=3, min_rows=500)


def test_ivf_add_remove_readd():
    index = TargetIndex(people(0, 600), embedder=RandomEmbedder(), ivf=small_ivf())
    assert index.ivf.trainings == 1 and (index.ivf.cluster[:600] >= 0).all()
    gone = people(7, 8)[0]
    row = index._row[gone.id]
    assert index.similar([gone.profile], 1) == [(gone.id, pytest.approx(1.0))]  # its own cluster is probed
    index.remove(gone.id)
    assert index.ivf.cluster[row] == -1 and gone.id not in [t for t, _ in index.similar([gone.profile], 50)]
    index.add(gone)
    assert index._row[gone.id] == row and index.ivf.cluster[row] >= 0  # the freed row is reused and reassigned
    assert index.similar([gone.profile], 1) == [(gone.id, pytest.approx(1.0))]
    assert index.ivf.trainings == 1


def test_ivf_trains_at_threshold_and_retrains_when_rows_double():
    index = TargetIndex(people(0, 499), embedder=RandomEmbedder(), ivf=small_ivf())
    assert index.ivf.centroids is None and index.ivf.probe(np.zeros((1, DIM)), 499) is None  # exact scan
    index.add_many(people(499, 700))
    assert index.ivf.trainings == 1 and index.ivf.trained_at == 700
    index.add_many(people(700, 1399))
    assert index.ivf.trainings == 1 and (index.ivf.cluster[:1399] >= 0).all()  # new rows assigned, no retrain
    index.add_many(people(1399, 1400))
    assert index.ivf.trainings == 2 and index.ivf.trained_at == 1400


def test_ivf_search_matches_exact_on_planted_near_duplicates():
    embedder, rng = RandomEmbedder(), np.random.default_rng(1)
    crowd, planted = people(0, 3000), people(5000, 5040)
    queries = [f"a question about topic {code(i)}" for i in range(len(planted))]
    for target, query in zip(planted, queries, strict=True):
        embedder.planted[target.profile] = embedder.encode([query])[0] + 0.25 * rng.standard_normal(DIM) / DIM**0.5
    approx = TargetIndex(crowd + planted, embedder=embedder, ivf=InvertedFile(centroids=32, nprobe=4, min_rows=500))
    exact = TargetIndex(crowd + planted, embedder=embedder, ivf=InvertedFile(min_rows=10**9))
    assert approx.ivf.centroids is not None and exact.ivf.centroids is None
    for target, query in zip(planted, queries, strict=True):
        (found, score), = approx.similar([query], 1)
        assert [(found, pytest.approx(score))] == exact.similar([query], 1) and found == target.id and score > 0.9
        assert ids(approx.screen([query], "", 16, 0.45)) == [target.id]
    probed = approx.ivf.probe(embedder.encode([queries[0]]), len(approx._ids))
    assert len(probed) < 3040 / 2  # only a few clusters are scanned
    outside = next(t for t in crowd if approx._row[t.id] not in probed)  # a mentioned target is scored exactly
    texts = [queries[0], f"What about {outside.name}?"]
    approx_found, exact_found = ({c.target.id: c.similarity for c in index.screen(texts, "", 16, 0.45)}
                                 for index in (approx, exact))
    assert approx_found == pytest.approx(exact_found) and set(approx_found) == {outside.id, planted[0].id}


@pytest.fixture(scope="module")
def real_sample():
    data = pytest.importorskip("benchmarks.screening_data")
    if not (data.data_dir() / "tofu" / "full.jsonl").exists():
        pytest.skip("benchmark data not found (set ALU_DATA_DIR)")
    persons = data.benchmark_persons()[:40]
    targets = [p.target for p in persons] + data.distractors(300, {p.target.id for p in persons})
    return data, persons, targets


def test_recall_on_real_tofu_and_wpu_names(real_sample, tmp_path):
    data, persons, targets = real_sample
    embedder = data.MemoEmbedder(get_embedder())
    cases = [m for p in persons for m in data.mentions(p) if m.kind != "descriptive"]  # descriptive: the benchmark
    embedder.encode([m.text for m in cases])  # one batch, instead of one call per screened text
    index = TargetIndex(targets, embedder=embedder, cache=EmbeddingCache(tmp_path / "e.sqlite"))
    found: dict[str, list[bool]] = {}
    for mention in cases:
        hit = mention.target_id in ids(index.screen([mention.text], "", 16, 0.45))
        found.setdefault(mention.kind, []).append(hit)
    recall = {kind: sum(hits) / len(hits) for kind, hits in found.items()}
    assert {p.source for p in persons} == {"tofu", "wpu"}
    for kind in ("direct", "alias", "last_name"):
        assert recall[kind] >= 0.99, recall
    assert recall["masked"] >= 0.9 and recall["misspelled"] >= 0.9, recall
