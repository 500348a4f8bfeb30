"""K-means on well-separated blobs, names from centroids, suggested k."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.clusters import cluster_customers, cluster_profiles, suggest_k


def blobs(random_state: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(random_state)
    centres = [(5, 20, 50_000), (400, 0, 200), (60, 3, 3_000)]  # days since last, frequency, spend
    frames, truth = [], []
    for label, (days, freq, spend) in enumerate(centres):
        size = 300 - 50 * label
        frames.append(
            pd.DataFrame(
                {
                    "days_since_last": np.maximum(days * np.exp(rng.normal(0, 0.05, size)), 0),
                    "frequency": np.maximum(np.round(freq * np.exp(rng.normal(0, 0.05, size))), 0),
                    "total_spend": spend * np.exp(rng.normal(0, 0.05, size)),
                }
            )
        )
        truth += [label] * size
    return pd.concat(frames, ignore_index=True), np.array(truth)


def test_kmeans_recovers_blobs_and_names_them():
    frame, truth = blobs()
    result = cluster_customers(frame, k=3, random_state=0)
    labels = result.labels.to_numpy()
    # each true blob maps to exactly one cluster; clusters are numbered largest first
    mapping = {t: set(labels[truth == t]) for t in range(3)}
    assert all(len(v) == 1 for v in mapping.values())
    assert [mapping[t].pop() for t in range(3)] == [0, 1, 2]
    assert result.names[0] == ("recent", "frequent", "high_spend")
    assert result.names[1] == ("lapsed", "one_off", "low_spend")
    profiles = cluster_profiles(frame, result)
    assert profiles["customers"].tolist() == [300, 250, 200]
    assert profiles["cluster_name"].iloc[0] == "recent, frequent, high_spend"
    assert profiles["share"].sum() == 1.0


def test_same_random_state_same_labels():
    frame, _ = blobs()
    first = cluster_customers(frame, k=4, random_state=3).labels
    again = cluster_customers(frame, k=4, random_state=3).labels
    assert first.equals(again)


def test_suggested_k_on_three_blobs():
    frame, _ = blobs()
    k, table = suggest_k(frame, k_values=range(2, 7))
    assert k == 3
    assert table["inertia"].is_monotonic_decreasing
    assert table.loc[table["k"] == 3, "silhouette"].iloc[0] > 0.8


def test_silhouette_equals_scikit_learn():
    from sklearn.metrics import silhouette_score

    from analytics.clusters import _distances, silhouette

    frame, truth = blobs()
    rng = np.random.default_rng(1)
    points = rng.normal(size=(300, 3))
    labels = rng.integers(0, 4, size=300)
    labels[0] = 9  # a singleton cluster scores 0
    assert silhouette(_distances(points), labels) == pytest.approx(
        silhouette_score(points, labels), abs=1e-9
    )
    features = np.log1p(frame.to_numpy())
    assert silhouette(_distances(features), truth) == pytest.approx(
        silhouette_score(features, truth), abs=1e-9
    )
