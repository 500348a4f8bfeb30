"""K-means segments (DESIGN.md, "Clusters").

Features: standardised ``log1p(days_since_last)``, ``log1p(frequency + 1)``, ``log1p(total_spend)``
and optionally ``log1p(clv)`` and ``p_alive``. ``random_state`` is fixed by the caller (default 0);
above 100,000 customers MiniBatchKMeans is used, its centroids learnt on a seeded sample of at
most 200,000 customers. Each cluster is named from its centroid with word codes (:data:`WORDS`,
e.g. ``recent, frequent, high_spend``) that the interface words in either language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics._validate import require_columns

__all__ = [
    "AVERAGE",
    "BASE_FEATURES",
    "WORDS",
    "OPTIONAL_FEATURES",
    "ClusterResult",
    "by_size",
    "cluster_customers",
    "cluster_features",
    "cluster_names",
    "fit_model",
    "raw_features",
    "standardise",
    "cluster_profiles",
    "name_code",
    "silhouette",
    "suggest_k",
]

BASE_FEATURES = ("recency", "frequency", "monetary")
OPTIONAL_FEATURES = ("clv", "p_alive")
MINIBATCH_ABOVE = 100_000


def cluster_features(scored: pd.DataFrame, features: Sequence[str] = BASE_FEATURES) -> np.ndarray:
    """The standardised feature matrix (rows follow ``scored``)."""
    matrix = raw_features(scored, features)
    return standardise(matrix, matrix.mean(axis=0), matrix.std(axis=0))


def standardise(matrix: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """``(matrix - mean) / std`` per feature (a feature without spread is only centred). The
    Spark engine passes the mean and population std of every customer, computed over the
    cluster, to standardise a sample or one partition as the whole would be."""
    std = np.asarray(std, dtype=float)
    return (matrix - np.asarray(mean, dtype=float)) / np.where(std > 0, std, 1.0)


def raw_features(scored: pd.DataFrame, features: Sequence[str] = BASE_FEATURES) -> np.ndarray:
    """The features before standardising: ``log1p`` of days since last purchase, purchase days,
    spend and CLV (negative spend and CLV as 0), and ``p_alive`` as it is."""
    columns = []
    for name in features:
        if name == "recency":
            require_columns(scored, ["days_since_last"], "cluster_features")
            columns.append(np.log1p(scored["days_since_last"].to_numpy(dtype=float)))
        elif name == "frequency":
            require_columns(scored, ["frequency"], "cluster_features")
            columns.append(np.log1p(scored["frequency"].to_numpy(dtype=float) + 1))
        elif name == "monetary":
            require_columns(scored, ["total_spend"], "cluster_features")
            columns.append(np.log1p(np.clip(scored["total_spend"].to_numpy(dtype=float), 0, None)))
        elif name == "clv":
            require_columns(scored, ["clv"], "cluster_features")
            columns.append(np.log1p(np.clip(scored["clv"].to_numpy(dtype=float), 0, None)))
        elif name == "p_alive":
            require_columns(scored, ["p_alive"], "cluster_features")
            columns.append(scored["p_alive"].to_numpy(dtype=float))
        else:
            raise ValueError(
                f"unknown cluster feature {name!r}; use {BASE_FEATURES + OPTIONAL_FEATURES}"
            )
    matrix = np.column_stack(columns) if columns else np.empty((len(scored), 0))
    if np.isnan(matrix).any():
        raise ValueError("cluster features contain missing values (is CLV available?)")
    return matrix


def preload() -> None:
    """Import scikit-learn's K-means ahead of the first clustering."""
    import sklearn.cluster  # noqa: F401


def _model(k: int, n: int, random_state: int):
    # scikit-learn is imported on first use: the dashboard's first page never clusters.
    from sklearn.cluster import KMeans, MiniBatchKMeans

    if n > MINIBATCH_ABOVE:
        return MiniBatchKMeans(n_clusters=k, random_state=random_state, batch_size=4096, n_init=3)
    return KMeans(n_clusters=k, random_state=random_state, n_init=4)


def _fit_sample(matrix: np.ndarray, random_state: int, size: int = 200_000) -> np.ndarray:
    """Above ``size`` customers, centroids are learnt on a seeded sample and every customer is
    then assigned to its nearest centroid: the clusters barely move, the time stays bounded."""
    if len(matrix) <= size:
        return matrix
    rng = np.random.default_rng(random_state)
    return matrix[rng.choice(len(matrix), size=size, replace=False)]


@dataclass(frozen=True, eq=False)
class ClusterResult:
    """Labels, and each cluster's name as word codes from its centroid (see :data:`WORDS`)."""

    labels: pd.Series  # cluster number (0..k-1) on the input's index, largest cluster first
    names: dict[int, tuple[str, ...]]  # e.g. ("recent", "frequent", "high_spend"); () = average
    centroids: pd.DataFrame = field(repr=False)  # standardised, one row per cluster
    features: tuple[str, ...] = BASE_FEATURES
    inertia: float = 0.0


def cluster_customers(
    scored: pd.DataFrame,
    k: int = 4,
    features: Sequence[str] = BASE_FEATURES,
    random_state: int = 0,
) -> ClusterResult:
    """K-means labels, numbered by size (0 = largest), and a name per cluster."""
    matrix = cluster_features(scored, features)
    n = len(matrix)
    if n == 0:
        raise ValueError("no customers to cluster")
    k = int(max(1, min(k, n)))
    model = fit_model(_fit_sample(matrix, random_state), k, n, random_state)
    raw = model.predict(matrix)
    renumber, centroid_frame = by_size(model, np.bincount(raw, minlength=k), features)
    return ClusterResult(
        labels=pd.Series(renumber[raw], index=scored.index, name="cluster"),
        names=_names(centroid_frame),
        centroids=centroid_frame,
        features=tuple(features),
        inertia=float(-model.score(matrix)),
    )


def fit_model(sample: np.ndarray, k: int, n: int, random_state: int = 0):
    """K-means (MiniBatchKMeans above :data:`MINIBATCH_ABOVE` customers, ``n`` in all) fitted on
    a standardised ``sample``; its ``predict`` assigns any standardised rows."""
    return _model(k, n, random_state).fit(sample)


def by_size(model, sizes: np.ndarray, features: Sequence[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """The model's cluster numbers renumbered by size (0 = largest, ties by number), and the
    centroids (standardised) in the new numbering."""
    k = len(sizes)
    renumber = np.empty(k, dtype=np.int64)
    renumber[np.lexsort((np.arange(k), -np.asarray(sizes)))] = np.arange(k)
    centroids = np.empty_like(model.cluster_centers_)
    centroids[renumber] = model.cluster_centers_
    return renumber, pd.DataFrame(centroids, columns=list(features))


def cluster_names(centroids: pd.DataFrame) -> dict[int, tuple[str, ...]]:
    """Each cluster's name as word codes, from its standardised centroid."""
    return _names(centroids)


#: Word codes a cluster name is made of, per feature: (low, middle, high); "" = no word.
WORDS = {
    "recency": ("lapsed", "", "recent"),  # high log(days since last) = lapsed
    "frequency": ("one_off", "", "frequent"),
    "monetary": ("low_spend", "mid_spend", "high_spend"),
    "clv": ("low_clv", "", "high_clv"),
    "p_alive": ("likely_lost", "", "likely_active"),
}
#: The name code of a cluster whose centroid is near the mean on every feature.
AVERAGE = "average"
NAME_SEPARATOR = ", "


def _names(centroids: pd.DataFrame, threshold: float = 0.5) -> dict[int, tuple[str, ...]]:
    """("recent", "frequent", "high_spend") from standardised centroids (beyond +-0.5 sd)."""
    names: dict[int, tuple[str, ...]] = {}
    for cluster, row in centroids.iterrows():
        words = []
        for feature, z in row.items():
            low, mid, high = WORDS[feature]
            if feature == "recency":
                z = -z  # fewer days since last purchase = more recent
            word = high if z > threshold else low if z < -threshold else mid
            if word:
                words.append(word)
        names[int(cluster)] = tuple(words) or (AVERAGE,)
    return names


def name_code(words: tuple[str, ...]) -> str:
    """The cluster name as stored in a scored table: word codes joined by ", "."""
    return NAME_SEPARATOR.join(words)


def cluster_profiles(scored: pd.DataFrame, result: ClusterResult | None = None) -> pd.DataFrame:
    """Per cluster: number, name, customers, share, mean recency / frequency / spend (and CLV,
    P(alive) when present). Labels and names come from ``result``, else from the frame's own
    ``cluster`` and ``cluster_name`` columns (a scored table)."""
    frame = scored
    if result is not None:
        codes = {number: name_code(words) for number, words in result.names.items()}
        frame = scored.assign(cluster=result.labels, cluster_name=result.labels.map(codes))
    require_columns(
        frame,
        ["cluster", "cluster_name", "days_since_last", "frequency", "total_spend"],
        "cluster_profiles",
    )
    aggregations = {
        "customers": ("cluster", "size"),
        "mean_days_since_last": ("days_since_last", "mean"),
        "mean_frequency": ("frequency", "mean"),
        "mean_spend": ("total_spend", "mean"),
    }
    for column in ("clv", "p_alive"):
        if column in frame and frame[column].notna().any():
            aggregations[f"mean_{column}"] = (column, "mean")
    table = frame.groupby(["cluster", "cluster_name"]).agg(**aggregations).reset_index()
    table.insert(3, "share", table["customers"] / max(len(frame), 1))
    return table


def _distances(points: np.ndarray) -> np.ndarray:
    squared = (points**2).sum(axis=1)
    gram = squared[:, None] + squared[None, :] - 2 * points @ points.T
    return np.sqrt(np.clip(gram, 0, None))


def silhouette(distances: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette (Rousseeuw 1987) from a full distance matrix: ``s = (b - a) / max(a, b)``
    with ``a`` the mean distance to the own cluster (self excluded) and ``b`` the lowest mean
    distance to another cluster; members of singleton clusters score 0, as in scikit-learn."""
    clusters, codes = np.unique(labels, return_inverse=True)
    one_hot = np.zeros((len(labels), len(clusters)))
    one_hot[np.arange(len(labels)), codes] = 1
    sizes = one_hot.sum(axis=0)
    sums = distances @ one_hot  # total distance from each point to each cluster
    own = sizes[codes]
    a = np.divide(
        sums[np.arange(len(labels)), codes], own - 1, out=np.zeros(len(labels)), where=own > 1
    )
    means = sums / sizes
    means[np.arange(len(labels)), codes] = np.inf
    b = means.min(axis=1)
    s = np.where(own > 1, (b - a) / np.maximum(np.maximum(a, b), 1e-300), 0.0)
    return float(s.mean())


def suggest_k(
    scored: pd.DataFrame,
    features: Sequence[str] = BASE_FEATURES,
    k_values: Sequence[int] = range(2, 9),
    sample_size: int = 5_000,
    random_state: int = 0,
) -> tuple[int, pd.DataFrame]:
    """Silhouette and inertia for each k on a sample of at most ``sample_size`` customers.

    Returns the k with the highest silhouette score and the table ``k, inertia, silhouette``.
    """
    from sklearn.cluster import KMeans

    matrix = cluster_features(scored, features)
    rng = np.random.default_rng(random_state)
    if len(matrix) > sample_size:
        matrix = matrix[rng.choice(len(matrix), size=sample_size, replace=False)]
    # Silhouette is quadratic in its sample: score on at most 2,000 of the customers, with one
    # distance matrix shared by every k.
    scored_rows = rng.choice(len(matrix), size=min(len(matrix), 2000), replace=False)
    distances = _distances(matrix[scored_rows])
    rows = []
    for k in k_values:
        if k >= len(matrix):
            break
        # One k-means++ start per k: this only ranks k; the final clustering uses several starts.
        model = KMeans(n_clusters=k, random_state=random_state, n_init=1).fit(matrix)
        labels = model.labels_[scored_rows]
        score = silhouette(distances, labels) if len(np.unique(labels)) > 1 else np.nan
        rows.append({"k": k, "inertia": float(model.inertia_), "silhouette": float(score)})
    table = pd.DataFrame(rows, columns=["k", "inertia", "silhouette"])
    if table.empty or table["silhouette"].isna().all():
        return 1, table
    return int(table.loc[table["silhouette"].idxmax(), "k"]), table
