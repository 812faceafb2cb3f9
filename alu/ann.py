"""Approximate nearest neighbours for large registries: an inverted file (IVF) over the rows of a vector matrix.

A k-means coarse quantiser splits unit vectors into clusters; a search scores the centroids and scans only the
rows of the nprobe best clusters, so its cost stays small while the registry grows. Rows are assigned to a
cluster when they are added and unassigned when removed, without a rebuild; the quantiser is trained once the
rows first reach min_rows and retrained when their number has doubled since.
"""

from __future__ import annotations

import numpy as np

CHUNK = 16_384  # rows assigned per matrix product, to bound temporary memory


class InvertedFile:
    """Row -> cluster assignment for a matrix owned by the caller; -1 marks a row in no cluster."""

    def __init__(self, centroids: int = 256, nprobe: int = 24, min_rows: int = 20_000, iterations: int = 8,
                 sample_per_centroid: int = 64, seed: int = 0) -> None:
        self.n_centroids, self.nprobe, self.min_rows = centroids, nprobe, min_rows
        self.iterations, self.sample_per_centroid, self.seed = iterations, sample_per_centroid, seed
        self.centroids: np.ndarray | None = None
        self.cluster = np.full(0, -1, dtype=np.int32)
        self.trained_at = 0  # rows when last trained
        self.trainings = 0

    def due(self, live: int) -> bool:
        """Whether live rows call for a (re)training: the first time they reach min_rows, then on each doubling."""
        return live >= max(self.min_rows, 2 * self.trained_at)

    def assign(self, matrix: np.ndarray, rows: np.ndarray) -> None:
        """Put rows just written into matrix into their nearest clusters (nothing to do before training)."""
        self._grow(len(matrix))
        if self.centroids is not None and len(rows):
            self.cluster[rows] = self._nearest(matrix, rows)

    def remove(self, row: int) -> None:
        if row < len(self.cluster):
            self.cluster[row] = -1

    def probe(self, queries: np.ndarray, rows: int) -> np.ndarray | None:
        """The rows (of the first rows) in the nprobe clusters closest to each query, sorted; None if untrained."""
        if self.centroids is None:
            return None
        closeness = queries @ self.centroids.T
        nprobe = min(self.nprobe, len(self.centroids))
        chosen = np.zeros(len(self.centroids) + 1, dtype=bool)  # the extra last entry is cluster -1: never chosen
        chosen[np.argpartition(-closeness, nprobe - 1, axis=1)[:, :nprobe].ravel()] = True
        return np.flatnonzero(chosen[self.cluster[:rows]])

    def train(self, matrix: np.ndarray, live: np.ndarray) -> None:
        """Spherical k-means on a sample of the live rows, then every live row goes to its nearest centroid."""
        self._grow(len(matrix))
        rng = np.random.default_rng(self.seed + self.trainings)
        sample = matrix[np.sort(rng.choice(live, min(len(live), self.n_centroids * self.sample_per_centroid),
                                           replace=False))]
        centroids = sample[rng.choice(len(sample), min(self.n_centroids, len(sample)), replace=False)].copy()
        for _ in range(self.iterations):
            nearest = (sample @ centroids.T).argmax(axis=1)
            sums = np.zeros_like(centroids)
            np.add.at(sums, nearest, sample)
            empty = np.bincount(nearest, minlength=len(centroids)) == 0
            sums[empty] = sample[rng.choice(len(sample), int(empty.sum()))]  # reseed empty clusters
            centroids = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
        self.centroids, self.trained_at, self.trainings = centroids, len(live), self.trainings + 1
        self.cluster[:] = -1
        self.cluster[live] = self._nearest(matrix, live)

    def _grow(self, rows: int) -> None:
        if len(self.cluster) < rows:
            grown = np.full(rows, -1, dtype=np.int32)
            grown[: len(self.cluster)] = self.cluster
            self.cluster = grown

    def _nearest(self, matrix: np.ndarray, rows: np.ndarray) -> np.ndarray:
        out = np.empty(len(rows), dtype=np.int32)
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            out[start : start + len(chunk)] = (matrix[chunk] @ self.centroids.T).argmax(axis=1)
        return out
