"""Anchor rows of the convex generator: which real rows each class's IGU combines.

By default every row of a class is an anchor, as in the paper. With a budget
(``max_anchors``), a larger class keeps that many of its real rows, spread over the
class by k-means++ seeding, so that time and memory per iteration stop growing with
the class while synthetic rows remain convex combinations of real rows.
"""

import math

import torch

# k-means++ seeding of the anchors runs on a uniform pool of at most this many
# times max_anchors rows of the class: its cost grows with pool * max_anchors.
ANCHOR_POOL_FACTOR = 8


def kmeans_plusplus(points, n_centres, generator):
    """Pick ``n_centres`` well spread rows of ``points`` by k-means++ seeding.

    Greedy k-means++ (Arthur and Vassilvitskii, 2007, with ``2 + log(k)`` local
    trials per centre, as scikit-learn does): each new centre is drawn with
    probability proportional to its squared distance to the nearest chosen one,
    which favours the outskirts of the class and so keeps much of its convex hull.

    Parameters
    ----------
    points : torch.Tensor of shape (n, n_features)
        Candidate rows (on the CPU).
    n_centres : int
        Number of rows to pick, at most ``n``.
    generator : torch.Generator
        Source of randomness.

    Returns
    -------
    index : torch.Tensor of shape (n_chosen,)
        Sorted row indices; fewer than ``n_centres`` only when the remaining rows
        all duplicate chosen ones.
    """
    n_trials = 2 + int(math.log(n_centres))
    sq_norms = points.pow(2).sum(dim=1)
    first = int(torch.randint(len(points), (1,), generator=generator))
    chosen = [first]
    closest = (points - points[first]).pow(2).sum(dim=1)
    closest[first] = 0.0
    for _ in range(1, n_centres):
        if not float(closest.sum()) > 0:
            break
        candidates = torch.multinomial(
            closest, n_trials, replacement=True, generator=generator
        )
        scale = sq_norms[candidates, None] + sq_norms
        distances = scale - 2 * points[candidates] @ points.T
        # Rounding leaves duplicates of a candidate a tiny positive distance.
        distances[distances <= 1e-9 * scale] = 0.0
        potentials = torch.minimum(closest, distances)
        best = int(potentials.sum(dim=1).argmin())
        chosen.append(int(candidates[best]))
        closest = potentials[best]
        closest[chosen[-1]] = 0.0
    return torch.as_tensor(sorted(chosen))


def choose_anchors(X, y, codes, max_anchors, seed):
    """Rows of ``X`` that each generator class's IGU combines.

    With ``max_anchors=None`` a class keeps all its rows, in order. A larger class
    keeps ``max_anchors`` of its real rows, chosen by :func:`kmeans_plusplus` on a
    random pool of at most ``ANCHOR_POOL_FACTOR * max_anchors`` of them; synthetic
    rows stay convex combinations of real rows of the class.

    Parameters
    ----------
    X : torch.Tensor of shape (n_samples, n_features)
        Standardised rows.
    y : torch.Tensor of shape (n_samples,)
        Class codes.
    codes : sequence of int
        Class code of each generator class.
    max_anchors : int or None
        Budget of anchor rows per class.
    seed : int
        Seed of the selection (its own stream: the game's are left untouched).

    Returns
    -------
    anchor_index : list of torch.Tensor
        Sorted row indices into ``X`` (on the CPU), one tensor per class.
    """
    generator = torch.Generator().manual_seed(seed)
    anchor_index = []
    for code in codes:
        rows = torch.nonzero(y == code).squeeze(1).cpu()
        if max_anchors is not None and len(rows) > max_anchors:
            pool_size = min(len(rows), ANCHOR_POOL_FACTOR * max_anchors)
            pool = rows[torch.randperm(len(rows), generator=generator)[:pool_size]]
            pool = pool.sort().values
            points = X[pool.to(X.device)].cpu().double()
            rows = pool[kmeans_plusplus(points, max_anchors, generator)]
        anchor_index.append(rows)
    return anchor_index
