"""The vector store's nearest-chunk cosine (the static gate's score) against its full search."""

import numpy as np

from alu.embedding import DIM
from alu.screening.vectors import VectorStore


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_nearest_is_the_best_cosine_of_search():
    rng = np.random.default_rng(3)
    store = VectorStore()
    stored = unit(rng.standard_normal((500, DIM)))
    store.add([f"t{i % 50}" for i in range(500)], [f"chunk {i}" for i in range(500)], stored)
    store.remove(list(range(0, 500, 7)))
    queries = unit(stored[rng.integers(0, 500, 40)] + 0.7 * rng.standard_normal((40, DIM)))
    best = [row[0][1] for row in store.search(queries, 32)]
    np.testing.assert_allclose(store.nearest(queries), best, atol=1e-6)
    np.testing.assert_allclose(store.nearest(queries[:1]), best[:1], atol=1e-6)
    exact = (stored @ queries.T).max(axis=0)  # a removed chunk may be the exact nearest: the store's best is no higher
    assert np.all(store.nearest(queries) <= exact + 1e-2)


def test_nearest_without_stored_vectors_is_zero():
    queries = unit(np.ones((3, DIM)))
    assert VectorStore().nearest(queries).tolist() == [0.0, 0.0, 0.0]
    assert VectorStore().nearest(queries[:0]).shape == (0,)



def test_the_same_vectors_give_the_same_neighbours_in_every_build():
    """Two stores loaded with the same vectors answer every search alike (a graph built on several threads would
    differ between builds, and so would a request's candidates)."""
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((6000, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    queries = vectors[:100] + 0.3 * rng.standard_normal((100, DIM)).astype(np.float32)
    results = []
    for _ in range(2):
        store = VectorStore()
        store.add([f"t{i}" for i in range(len(vectors))], ["text"] * len(vectors), vectors)
        results.append(store.search(queries, 10))
    assert results[0] == results[1]
