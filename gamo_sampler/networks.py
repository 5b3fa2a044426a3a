"""Torch modules of the GAMO game: convex generator, classifier and discriminator.

The modules know tensors only; scikit-learn conventions live in ``sampler.py`` and
``classifier.py``. Layer shapes, activations and initialisation follow the authors'
Keras code (Glorot-uniform kernels, zero biases, LeakyReLU slope 0.1).
"""

from typing import NamedTuple

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .sparse_rows import SparseAnchors, sparse_combination

LEAKY_SLOPE = 0.1
# Keras BatchNormalization(momentum=0.9) with its default epsilon.
BN_MOMENTUM = 0.1
BN_EPS = 1e-3


def mlp_layers(n_inputs, hidden_layer_sizes):
    """Build the hidden stack ``Linear -> LeakyReLU(0.1)`` shared by M and D.

    Parameters
    ----------
    n_inputs : int
        Width of the input.
    hidden_layer_sizes : tuple of int
        Width of each hidden layer.

    Returns
    -------
    layers : list of torch.nn.Module
        The layers, ready for :class:`torch.nn.Sequential`.
    """
    layers = []
    for width in hidden_layer_sizes:
        layers += [nn.Linear(n_inputs, width), nn.LeakyReLU(LEAKY_SLOPE)]
        n_inputs = width
    return layers


class ManualMLP(nn.Module):
    """An MLP ``Linear -> LeakyReLU(0.1) -> ... -> Linear`` in ``self.net`` whose
    backward pass can be taken by hand: a few matrix products with the
    gradients written into given buffers, instead of autograd's graph, whose
    bookkeeping costs more than the arithmetic at GAMO's sizes."""

    def layers(self):
        """The Linear layers, in order (listed once, then kept)."""
        layers = self.__dict__.get("_linear_layers")
        if layers is None:
            layers = [m for m in self.net if isinstance(m, nn.Linear)]
            # Straight into __dict__: a plain list, not a registered submodule.
            self.__dict__["_linear_layers"] = layers
        return layers

    def forward_saved(self, h):
        """The network's output before its final activation, with no graph,
        and the input of each layer (what :meth:`backward_saved` needs)."""
        layers = self.layers()
        inputs = []
        with torch.no_grad():
            for i, layer in enumerate(layers):
                inputs.append(h)
                h = F.linear(h, layer.weight, layer.bias)
                if i + 1 < len(layers):
                    h = F.leaky_relu_(h, LEAKY_SLOPE)
        return h, inputs

    def backward_saved(self, inputs, grad, grads=None, input_grad=False):
        """Back-propagate ``grad``, the gradient of the output of
        :meth:`forward_saved`.

        Parameters
        ----------
        inputs : list of torch.Tensor
            Layer inputs from :meth:`forward_saved`.
        grad : torch.Tensor of shape (n, n_outputs)
            Gradient of the loss with respect to the output.
        grads : list of torch.Tensor, optional
            Buffers shaped as ``self.parameters()``, overwritten with the
            parameters' gradients; None for none.
        input_grad : bool, default=False
            Also return the gradient with respect to the input.

        Returns
        -------
        torch.Tensor or None
            The input's gradient, if asked for.
        """
        layers = self.layers()
        with torch.no_grad():
            for i in reversed(range(len(layers))):
                if grads is not None:
                    torch.mm(grad.t(), inputs[i], out=grads[2 * i])
                    torch.sum(grad, dim=0, out=grads[2 * i + 1])
                if i == 0:
                    break
                grad = grad.mm(layers[i].weight)
                # The LeakyReLU's output has its input's sign, so it serves.
                grad = torch.ops.aten.leaky_relu_backward(
                    grad, inputs[i], LEAKY_SLOPE, True
                )
            return grad.mm(layers[0].weight) if input_grad else None


class ClassifierNet(ManualMLP):
    """The classifier M: an MLP with a softmax over the classes.

    Parameters
    ----------
    n_features : int
        Width of the input.
    n_classes : int
        Number of classes.
    hidden_layer_sizes : tuple of int
        Hidden widths; the reference uses ``(256, 128)``.
    """

    def __init__(self, n_features, n_classes, hidden_layer_sizes):
        super().__init__()
        layers = mlp_layers(n_features, hidden_layer_sizes)
        width = hidden_layer_sizes[-1] if hidden_layer_sizes else n_features
        self.net = nn.Sequential(*layers, nn.Linear(width, n_classes))

    def forward(self, x):
        """Return class probabilities of shape ``(n, n_classes)``."""
        return torch.softmax(self.net(x), dim=-1)


class DiscriminatorNet(ManualMLP):
    """The class-conditional discriminator D: ``sigmoid(MLP([x, one_hot(y)]))``.

    Parameters
    ----------
    n_features : int
        Width of the input rows.
    n_classes : int
        Width of the one-hot label.
    hidden_layer_sizes : tuple of int
        Hidden widths; the reference uses ``(256, 128)``.
    """

    def __init__(self, n_features, n_classes, hidden_layer_sizes):
        super().__init__()
        self.n_classes = n_classes
        layers = mlp_layers(n_features + n_classes, hidden_layer_sizes)
        width = hidden_layer_sizes[-1] if hidden_layer_sizes else n_features + n_classes
        self.net = nn.Sequential(*layers, nn.Linear(width, 1))
        # Rows of the identity instead of F.one_hot, which checks its input's range
        # and so waits for the device on every call.
        self.register_buffer("one_hot", torch.eye(n_classes), persistent=False)

    def forward(self, x, labels):
        """Return the probability, of shape ``(n,)``, that ``x`` is a real row of class
        ``labels``."""
        return torch.sigmoid(self.net(self.inputs(x, labels))).squeeze(1)

    def inputs(self, x, labels):
        """The network's input: ``[x, one_hot(labels)]``."""
        one_hot = self.one_hot.index_select(0, labels)
        if one_hot.dtype != x.dtype:
            one_hot = one_hot.to(x.dtype)
        return torch.cat([x, one_hot], dim=1)


class Tap(NamedTuple):
    """A layer of G in its training pass: its input, and the gradient of the
    loss with respect to its output (``output``), from which
    :class:`~gamo_sampler.composites.CompositeAdam` computes each composite's own
    gradient of the layer's parameters (``name``, as in ``named_parameters``).
    Both are of shape ``(groups, rows, features)``, a group per composite (of
    the bucket, for a bucket of IGUs)."""

    name: str
    input: torch.Tensor
    output: torch.Tensor


class GeneratorPass(NamedTuple):
    """What G's training pass saves for its backward pass
    (:meth:`ConvexGenerator.backward_saved`): per cTMU layer, its input, its
    ReLU's output, the normalised rows and the groups' ``1 / std``; per bucket
    of IGUs, its transient vectors and convex weights; and the pass's
    :class:`TrainingViews`."""

    layers: list
    buckets: list
    views: "TrainingViews"


class TrainingViews(NamedTuple):
    """What every training pass of G reads in the same shape, made once per
    game (:meth:`ConvexGenerator.training_views`) rather than every iteration.

    Attributes
    ----------
    running_weights : torch.Tensor of shape (1, groups)
        Weight of each (class, judge) composite's statistics in BatchNorm's
        running statistics.
    keep : float
        The part of the running statistics that a pass keeps,
        ``1 - running_weights.sum()``.
    bucket_lengths : list of int
        Classes of each bucket of IGUs.
    igus : list of tuple
        Per bucket of IGUs, the views that its products read
        (:meth:`IGUBucket.views`).
    buffers : dict
        Tensors made at a game's first pass and reused by the later ones,
        by name and shape: the cTMU's inputs
        (:meth:`ConvexGenerator.composite_transient`), the judges' inputs and
        targets (:func:`gamo_sampler.game.generator_gradients`).
    """

    running_weights: torch.Tensor
    keep: float
    bucket_lengths: list
    igus: list
    buffers: dict


class GroupBatchNorm(nn.BatchNorm1d):
    """Batch normalisation that can also normalise each group of rows on its own.

    The reference updates G with one tiny batch per (class, judge) composite, so
    each composite's rows are normalised with their own statistics, and every
    composite's step moves the running statistics in turn. :meth:`per_group` does
    all of them in one batched pass.
    """

    def per_group(self, x, running_weights, keep):
        """Normalise each group of ``x`` with its own batch statistics.

        Parameters
        ----------
        x : torch.Tensor of shape (groups, rows, features)
            The groups' rows.
        running_weights : torch.Tensor of shape (1, groups)
            Weight of each group's statistics in the running statistics.
        keep : float
            The part of the running statistics kept, ``1 -
            running_weights.sum()``.

        Returns
        -------
        normalised : torch.Tensor of shape (groups, rows, features)
            Before the affine map, which the caller applies, so that each
            group's gradient of it can be taken apart.
        rstd : torch.Tensor of shape (groups, 1, features)
            ``1 / sqrt(var + eps)`` of each group, for the backward pass.
        """
        groups, n, _ = x.shape
        mean = x.mean(dim=1, keepdim=True)
        centred = x - mean
        # Mean of squares of the centred rows: Tensor.var over a middle dimension
        # is some 30x slower on CPU for these shapes.
        var = centred.pow(2).mean(dim=1, keepdim=True)
        with torch.no_grad():
            self.running_mean.view(1, -1).addmm_(
                running_weights, mean.view(groups, -1), beta=keep
            )
            # The running variance is unbiased: n / (n - 1) of the batch's.
            self.running_var.view(1, -1).addmm_(
                running_weights,
                var.view(groups, -1),
                beta=keep,
                alpha=n / max(n - 1, 1),
            )
            self.num_batches_tracked += groups
        rstd = torch.rsqrt(var + self.eps)
        return centred.mul_(rstd), rstd

    @staticmethod
    def per_group_backward(grad, normalised, rstd):
        """The gradient with respect to :meth:`per_group`'s input ``x``, from
        ``grad``, the gradient with respect to its output (all of shape
        ``(groups, rows, features)``): batch normalisation's backward pass
        with each group's own statistics."""
        mean_grad = grad.mean(dim=1, keepdim=True)
        mean_projection = (grad * normalised).mean(dim=1, keepdim=True)
        return (grad - mean_grad).sub_(normalised * mean_projection).mul_(rstd)


# Fixed cost of one more bucket of IGUs, in padded anchor-row elements (a row of a
# bucket costs ``n_features + width`` per sample): the extra small kernels of a
# bucket cost about as much as this many multiply-adds of padding. On the
# Fashion-MNIST shape of benchmarks/bench_iteration.py, one bucket for all classes
# was 2 to 2.5x slower; since every judge keeps Adam moments for every padded
# slot, 2**15 timed best of 2**13, 2**15 and 2**17, by 5 to 10%.
BUCKET_OVERHEAD = 2**15


def plan_buckets(sizes, row_cost, overhead=None):
    """Group classes of similar size so that padding each group is cheap.

    Classes are sorted by size and cut into contiguous groups; each group is padded
    to its largest size. Dynamic programming picks the cuts that minimise
    ``sum(len(group) * max(group)) * row_cost + overhead * n_groups``.

    Parameters
    ----------
    sizes : sequence of int
        Number of anchor rows of each class.
    row_cost : int
        Cost of one (padded) anchor row, e.g. ``n_features + width``.
    overhead : float, optional
        Fixed cost of one group; ``BUCKET_OVERHEAD`` by default.

    Returns
    -------
    buckets : list of list of int
        Class indices of each group, largest classes first.

    Examples
    --------
    >>> plan_buckets([2000, 40, 1900, 60], row_cost=848)
    [[0], [2], [3, 1]]
    """
    if overhead is None:
        overhead = BUCKET_OVERHEAD
    order = sorted(range(len(sizes)), key=lambda j: (-sizes[j], j))
    ranked = [sizes[j] for j in order]
    n = len(order)
    # best[i]: cheapest cost of grouping ranked[i:]; cut[i]: end of its first group.
    best, cut = [0.0] * (n + 1), [n] * (n + 1)
    for i in range(n - 1, -1, -1):
        best[i] = float("inf")
        for end in range(i + 1, n + 1):
            cost = (end - i) * ranked[i] * row_cost + overhead + best[end]
            if cost < best[i]:
                best[i], cut[i] = cost, end
    buckets, i = [], 0
    while i < n:
        buckets.append(order[i : cut[i]])
        i = cut[i]
    return buckets


class IGUBucket(nn.Module):
    """The IGUs of a few classes of similar size, zero-padded to a common size.

    IGU ``p`` of the bucket maps a transient vector ``t`` to softmax weights over the
    ``sizes[p]`` anchor rows of its class; the padded slots are masked out of the
    softmax, so they never receive weight.

    Parameters
    ----------
    anchors : list of torch.Tensor
        ``(n_p, n_features)`` anchor rows of each class of the bucket.
    class_index : list of int
        Generator-class index of each class of the bucket (kept as ``classes``).
    width : int
        Width of the transient vector.
    """

    def __init__(self, anchors, class_index, width):
        super().__init__()
        sizes = [len(rows) for rows in anchors]
        n_max = max(sizes)
        mask = torch.zeros(len(anchors), 1, n_max)
        for p, rows in enumerate(anchors):
            mask[p, :, len(rows) :] = float("-inf")
        self.sparse = isinstance(anchors[0], SparseAnchors)
        if self.sparse:
            self._keep_sparse_anchors(anchors)
        else:
            padded = anchors[0].new_zeros(len(anchors), n_max, anchors[0].shape[1])
            for p, rows in enumerate(anchors):
                padded[p, : len(rows)] = rows
            self.register_buffer("anchors", padded)
        self.classes = list(class_index)
        self.register_buffer("logit_mask", mask)
        self.sizes = sizes
        self.padded = min(sizes) < n_max
        self.weight = nn.Parameter(torch.empty(len(anchors), n_max, width))
        self.bias = nn.Parameter(torch.zeros(len(anchors), n_max))

    def views(self):
        """What :meth:`logits` and :meth:`combine_backward` read: the biases as
        ``(k_b, 1, n_max)``, the weights transposed as ``(k_b, width, n_max)``
        and the dense anchors transposed (None for sparse anchors). A game
        makes them once (:class:`TrainingViews`); they stay valid while the
        parameters and anchors are updated in place."""
        anchors_t = None if self.sparse else self.anchors.transpose(1, 2)
        return self.bias.unsqueeze(1), self.weight.transpose(1, 2), anchors_t

    def logits(self, t, views=None):
        """Unmasked logits of shape ``(k_b, s, n_max)`` for ``t`` of shape
        ``(k_b, s, width)``, from :meth:`views` (made now by default)."""
        bias, weight_t, _ = views or self.views()
        return torch.baddbmm(bias, t, weight_t)

    def softmax(self, logits):
        """Convex weights from :meth:`logits`, none on the padded slots."""
        if self.padded:
            logits = logits + self.logit_mask
        return torch.softmax(logits, dim=2)

    def convex_weights(self, t, views=None):
        """Map ``t`` of shape ``(k_b, s, width)`` to ``alpha`` of shape
        ``(k_b, s, n_max)``, reading :meth:`views` (made now by default)."""
        return self.softmax(self.logits(t, views))

    def combine(self, alpha):
        """The convex combinations ``alpha`` of shape ``(k_b, s, n_max)`` of each
        class's anchors: rows of shape ``(k_b, s, n_features)``."""
        if not self.sparse:
            return torch.bmm(alpha, self.anchors)
        return torch.stack(
            [
                sparse_combination(alpha[p, :, :n], *self.sparse_anchors(p))
                for p, n in enumerate(self.sizes)
            ]
        )

    def combine_backward(self, grad, views=None):
        """The gradient with respect to :meth:`combine`'s ``alpha``, of shape
        ``(k_b, s, n_max)``, from ``grad``, of shape ``(k_b, s, n_features)``,
        the gradient with respect to its rows (zero on the padded slots);
        dense anchors are read from :meth:`views` (made now by default)."""
        if not self.sparse:
            return torch.bmm(grad, (views or self.views())[2])
        out = grad.new_zeros(*grad.shape[:2], max(self.sizes))
        for p, n in enumerate(self.sizes):
            rows, _, _ = self.sparse_anchors(p)
            out[p, :, :n] = torch.sparse.mm(rows, grad[p].T).T
        return out

    def _keep_sparse_anchors(self, anchors):
        # Buffers, so that they move and pickle with the module; not persistent,
        # as the anchors never train (and sparse tensors cannot be copied into).
        for p, part in enumerate(anchors):
            self.register_buffer(f"sparse_rows_{p}", part.rows, persistent=False)
            self.register_buffer(f"sparse_columns_{p}", part.columns, persistent=False)
        self.register_buffer("shift", anchors[0].shift, persistent=False)

    def sparse_anchors(self, p):
        """Sparse anchors of class ``p`` of the bucket: rows, columns and shift,
        as :func:`~gamo_sampler.sparse_rows.sparse_combination` takes them."""
        return (
            getattr(self, f"sparse_rows_{p}"),
            getattr(self, f"sparse_columns_{p}"),
            self.shift,
        )

    def class_anchors(self, p):
        """The standardised anchor rows of class ``p`` of the bucket, dense."""
        if not self.sparse:
            return self.anchors[p, : self.sizes[p]]
        rows, _, shift = self.sparse_anchors(p)
        return rows.to_dense() - shift


class ConvexGenerator(nn.Module):
    """GAMO's convex generator: a shared cTMU and one IGU per class to oversample.

    The cTMU maps ``[z, one_hot(class)]`` through ``Linear -> ReLU -> BatchNorm``
    blocks to a transient vector ``t``. The IGU of class ``i`` maps ``t`` to softmax
    weights ``alpha`` over that class's ``n_i`` anchor rows ``X_i``, and the sample is
    ``alpha @ X_i``: a convex combination of real rows of its own class.

    The IGUs are grouped into a few buckets of classes of similar size (see
    :func:`plan_buckets`); in each bucket they live in one zero-padded tensor, so
    every bucket costs a couple of batched matrix products and a class-``i`` sample
    only touches the rows of class ``i``, padded to its bucket's largest class.

    Parameters
    ----------
    anchors : list of torch.Tensor
        ``anchors[j]`` holds the ``(n_j, n_features)`` rows that class ``j`` of the
        generator combines (in a fixed order).
    class_codes : sequence of int
        Label code (index into the classifier's classes) of each generator class.
    n_classes : int
        Number of classes of the whole problem (width of the one-hot input).
    latent_dim : int
        Dimension of the noise ``z``.
    hidden_sizes : tuple of int
        Widths of the cTMU blocks; the reference uses ``(256, 64)``.
    """

    def __init__(self, anchors, class_codes, n_classes, latent_dim, hidden_sizes):
        super().__init__()
        self.n_classes = n_classes
        self.latent_dim = latent_dim
        self.register_buffer("class_codes", torch.as_tensor(class_codes))
        # One-hot label of each generator class, the cTMU's conditioning input.
        self.register_buffer(
            "class_one_hot", torch.eye(n_classes)[self.class_codes], persistent=False
        )
        self.linears = nn.ModuleList()
        self.norms = nn.ModuleList()
        width = latent_dim + n_classes
        for size in hidden_sizes:
            self.linears.append(nn.Linear(width, size))
            self.norms.append(GroupBatchNorm(size, eps=BN_EPS, momentum=BN_MOMENTUM))
            width = size
        self.width = width
        sizes = [len(a) for a in anchors]
        self.register_buffer("class_sizes", torch.as_tensor(sizes))
        groups = plan_buckets(sizes, anchors[0].shape[1] + width)
        self.buckets = nn.ModuleList(
            IGUBucket([anchors[j] for j in group], group, width) for group in groups
        )
        # Where each generator class lives: (bucket, position in the bucket).
        self.slots = [None] * len(anchors)
        for b, group in enumerate(groups):
            for p, j in enumerate(group):
                self.slots[j] = (b, p)
        order = torch.as_tensor([j for group in groups for j in group])
        self.reordered = not torch.equal(order, torch.arange(len(anchors)))
        self.register_buffer("bucket_order", order)
        self.register_buffer("bucket_inverse", torch.argsort(order))

    @property
    def n_generator_classes(self):
        """Number of classes the generator oversamples."""
        return len(self.slots)

    def class_anchors(self, class_index):
        """The ``(n_j, n_features)`` anchor rows of generator class ``class_index``."""
        b, p = self.slots[class_index]
        return self.buckets[b].class_anchors(p)

    def class_igu(self, class_index, grad=False):
        """The IGU of generator class ``class_index``: views of its Dense layer.

        Parameters
        ----------
        class_index : int
            Generator class.
        grad : bool, default=False
            Return views of the gradients instead (None before a backward pass).

        Returns
        -------
        weight : torch.Tensor of shape (n_j, width)
            Writable view into the bucket's parameter (or its gradient).
        bias : torch.Tensor of shape (n_j,)
            Writable view into the bucket's parameter (or its gradient).
        """
        b, p = self.slots[class_index]
        bucket, n_rows = self.buckets[b], int(self.class_sizes[class_index])
        weight, bias = bucket.weight, bucket.bias
        if grad:
            if weight.grad is None:
                return None, None
            weight, bias = weight.grad, bias.grad
        return weight[p, :n_rows], bias[p, :n_rows]

    def transient(self, z, class_index, inference=False):
        """The cTMU: map noise and generator-class indices to transient vectors
        (BatchNorm in the module's mode, or in inference mode if ``inference``,
        which spares switching every submodule's mode back and forth)."""
        one_hot = self.class_one_hot.index_select(0, class_index).to(z.dtype)
        h = torch.cat([z, one_hot], dim=1)
        for linear, norm in zip(self.linears, self.norms, strict=True):
            h = torch.relu(linear(h))
            if inference:
                h = F.batch_norm(
                    h,
                    norm.running_mean,
                    norm.running_var,
                    norm.weight,
                    norm.bias,
                    training=False,
                    eps=norm.eps,
                )
            else:
                h = norm(h)
        return h

    def composite_transient(self, z, views, saved):
        """The cTMU in training mode for every (class, judge) composite at once,
        each group of rows normalised with its own BatchNorm statistics; no
        autograd graph (:meth:`backward_saved` takes the backward pass).

        Parameters
        ----------
        z : torch.Tensor of shape (k, J, s, latent_dim)
            Noise of composite ``(j, judge)``: ``s`` rows of generator class ``j``.
        views : TrainingViews
            The game's views, with each composite's weight in BatchNorm's
            running statistics.
        saved : list
            Receives, per layer, its input, its ReLU's output, the normalised
            rows and the groups' ``1 / std``.

        Returns
        -------
        t : torch.Tensor of shape (k, J * s, width)
        """
        k, n_judges, s, _ = z.shape
        h = self._conditioned(z, views)
        with torch.no_grad():
            for linear, norm in zip(self.linears, self.norms, strict=True):
                relu = F.linear(h, linear.weight, linear.bias).relu_()
                normalised, rstd = norm.per_group(
                    relu, views.running_weights, views.keep
                )
                saved.append((h, relu, normalised, rstd))
                h = torch.addcmul(norm.bias, normalised, norm.weight)
        return h.view(k, n_judges * s, self.width)

    def _conditioned(self, z, views):
        """The cTMU's input ``[z, one_hot(class)]`` of every composite's rows,
        of shape ``(k * J, s, latent_dim + n_classes)``: ``z`` copied into a
        buffer of the game whose one-hot columns are written once."""
        buffer = views.buffers.get(("ctmu", z.shape))
        if buffer is None:
            k, n_judges, s, _ = z.shape
            one_hot = self.class_one_hot[:, None, None].expand(k, n_judges, s, -1)
            rows = torch.cat([z, one_hot.to(z.dtype)], dim=3)
            buffer = (rows.flatten(0, 1), rows[..., : z.shape[3]])
            views.buffers[("ctmu", z.shape)] = buffer
        h, noise = buffer
        noise.copy_(z)
        return h

    def backward_saved(self, saved, grad):
        """G's backward pass from the gradient of its training rows.

        Parameters
        ----------
        saved : GeneratorPass
            What :meth:`fakes_and_training_rows` saved.
        grad : torch.Tensor of shape (k, J, s, n_features)
            Gradient of the loss with respect to each composite's rows.

        Returns
        -------
        taps : list of Tap
            Each layer's name and input, and the gradient of the loss with
            respect to its output (in ``Tap.output``): what each composite's
            own gradient is computed from.
        """
        k, n_judges, s, _ = grad.shape
        grad = grad.view(k, n_judges * s, -1)
        if self.reordered:
            grad = grad.index_select(0, self.bucket_order)
        taps, grad_t = [], []
        views = saved.views
        with torch.no_grad():
            parts = grad.split(views.bucket_lengths)
            for b, (bucket, (t_b, alpha), grad_b, igu) in enumerate(
                zip(self.buckets, saved.buckets, parts, views.igus, strict=True)
            ):
                grad_alpha = bucket.combine_backward(grad_b, igu)
                grad_logits = torch._softmax_backward_data(
                    grad_alpha, alpha, 2, alpha.dtype
                )
                # Rows of (class, judge) composites, class-major.
                groups = (len(t_b) * n_judges, s, -1)
                taps.append(
                    Tap(f"buckets.{b}", t_b.view(groups), grad_logits.view(groups))
                )
                grad_t.append(torch.bmm(grad_logits, bucket.weight))
            grad_h = self._in_class_order(grad_t).view(k * n_judges, s, self.width)
            layers = list(zip(self.linears, self.norms, saved.layers, strict=True))
            for i in reversed(range(len(layers))):
                linear, norm, (h, relu, normalised, rstd) = layers[i]
                taps.append(Tap(f"norms.{i}", normalised, grad_h))
                grad_relu = norm.per_group_backward(
                    grad_h * norm.weight, normalised, rstd
                )
                grad_a = torch.ops.aten.threshold_backward(grad_relu, relu, 0)
                taps.append(Tap(f"linears.{i}", h, grad_a))
                if i:
                    grad_h = torch.matmul(grad_a, linear.weight)
        return taps

    def _bucket_weights(self, z):
        """Yield ``(bucket, alpha)`` for every bucket, ``alpha`` of shape
        ``(k_b, s, n_b)``; ``z`` is class-major with ``s`` rows per class."""
        k = self.n_generator_classes
        class_index = torch.arange(k, device=z.device).repeat_interleave(
            z.shape[0] // k
        )
        t = self.transient(z, class_index).view(k, -1, self.width)
        if self.reordered:
            t = t.index_select(0, self.bucket_order)
        start = 0
        for bucket in self.buckets:
            k_b = len(bucket.sizes)
            yield bucket, bucket.convex_weights(t[start : start + k_b])
            start += k_b

    def _in_class_order(self, parts):
        """Concatenate per-bucket results and restore the generator-class order."""
        out = parts[0] if len(parts) == 1 else torch.cat(parts)
        return out.index_select(0, self.bucket_inverse) if self.reordered else out

    def convex_weights(self, z):
        """Return ``alpha`` of shape ``(k, s, max n_i)`` for ``s`` samples per class.

        ``z`` has shape ``(k * s, latent_dim)``, class-major: rows ``j*s .. j*s+s-1``
        belong to generator class ``j``. Slots past a class's own ``n_j`` are 0.
        """
        n_max = int(self.class_sizes.max())
        parts = [
            F.pad(alpha, (0, n_max - alpha.shape[2]))
            for _, alpha in self._bucket_weights(z)
        ]
        return self._in_class_order(parts)

    def class_weights(self, z, class_index):
        """Return ``alpha`` of shape ``(len(z), n_j)`` for the generator class
        ``class_index`` alone, with no padded slots."""
        labels = torch.full((len(z),), class_index, device=z.device)
        t = self.transient(z, labels)
        weight, bias = self.class_igu(class_index)
        return torch.softmax(torch.addmm(bias, t, weight.T), dim=1)

    def _fake_layout(self, fake_index):
        """How to compute rows of the generator classes ``fake_index`` bucket by
        bucket.

        Each bucket computes as many rows per class as its most requested class,
        so the work follows the requests rather than ``k * max(counts)``.

        Returns
        -------
        slots : list of int
            Rows per class computed in each bucket.
        source : ndarray of int
            For each computed row, the request whose noise it reads: the one it
            serves, or request 0 for a padding row (computed, never read).
        row_class : ndarray of int
            Generator class of each computed row.
        position : ndarray of int
            Computed row of each request.
        """
        fake_index = np.asarray(fake_index)
        n = len(fake_index)
        slots, source, row_class = [], [], []
        position = np.empty(n, dtype=np.int64)
        for bucket in self.buckets:
            members = [np.flatnonzero(fake_index == j) for j in bucket.classes]
            slots.append(max(len(m) for m in members))
            for j, m in zip(bucket.classes, members, strict=True):
                position[m] = len(source) + np.arange(len(m))
                source.extend([*m.tolist(), *[0] * (slots[-1] - len(m))])
                row_class.extend([j] * slots[-1])
        return slots, np.asarray(source), np.asarray(row_class), position

    def _inference_transient(self, z, fake_index):
        """Transient vectors of the requests ``fake_index`` (noise ``z``) in the
        layout of :meth:`_fake_layout`, BatchNorm in inference mode, no gradient."""
        slots, source, row_class, position = self._fake_layout(fake_index)
        device = self.class_codes.device
        # One copy to the device for the three index arrays.
        indices = to_device(np.concatenate([source, row_class, position]), device)
        source, row_class, position = indices.split(
            [len(source), len(row_class), len(position)]
        )
        with torch.no_grad():
            t = self.transient(z.index_select(0, source), row_class, inference=True)
        return t, slots, position

    def generate(self, counts, generator=None):
        """Generate ``counts[j]`` rows of each generator class ``j`` in one pass.

        Parameters
        ----------
        counts : sequence of int
            Rows wanted per generator class (on the host).
        generator : torch.Generator, optional
            Source of the noise, on the generator's device.

        Returns
        -------
        rows : torch.Tensor of shape (sum(counts), n_features)
            The rows, class by class.
        class_index : torch.Tensor of shape (sum(counts),)
            Generator-class index of each row.
        """
        fake_index = np.repeat(np.arange(len(counts)), counts)
        device = self.class_codes.device
        z = torch.randn(
            len(fake_index), self.latent_dim, device=device, generator=generator
        )
        t, slots, position = self._inference_transient(z, fake_index)
        parts, start = [], 0
        with torch.no_grad():
            for bucket, n_slots in zip(self.buckets, slots, strict=True):
                if n_slots:
                    size = len(bucket.classes) * n_slots
                    t_b = t[start : start + size].view(-1, n_slots, self.width)
                    alpha = bucket.convex_weights(t_b)
                    parts.append(bucket.combine(alpha).flatten(0, 1))
                    start += size
        rows = parts[0] if len(parts) == 1 else torch.cat(parts)
        return rows.index_select(0, position), to_device(fake_index, device)

    def training_views(self, running_weights):
        """The :class:`TrainingViews` of a game, for the generator's parameters
        as they are stored now (a training pass reads them in place).

        Parameters
        ----------
        running_weights : torch.Tensor of shape (groups,)
            Weight of each (class, judge) composite's statistics in BatchNorm's
            running statistics.
        """
        return TrainingViews(
            running_weights=running_weights.view(1, -1),
            keep=1.0 - float(running_weights.sum()),
            bucket_lengths=[len(bucket.classes) for bucket in self.buckets],
            igus=[bucket.views() for bucket in self.buckets],
            buffers={},
        )

    def fakes_and_training_rows(self, fake_z, fake_index, z, views):
        """The fakes in inference mode and every composite's training rows,
        sharing one pass over the anchors.

        G's parameters do not change between the fakes of a game iteration and its
        own update, so both sets of rows can be combined in the same batched
        products: reading the anchors is what the generator's time goes to. No
        autograd graph is built: :meth:`backward_saved` takes G's backward pass
        from what this pass saves.

        Parameters
        ----------
        fake_z : torch.Tensor of shape (n_fakes, latent_dim)
            Noise of each fake.
        fake_index : ndarray of shape (n_fakes,)
            Generator class of each fake (on the host).
        z : torch.Tensor of shape (k, J, s, latent_dim)
            Noise of each composite's training rows.
        views : TrainingViews
            The game's views (:meth:`training_views`).

        Returns
        -------
        fakes : torch.Tensor of shape (n_fakes, n_features)
            The fakes, in the order of ``fake_index``, with BatchNorm in
            inference mode (running statistics from before this call).
        rows : torch.Tensor of shape (k, J, s, n_features)
            Each composite's rows.
        saved : GeneratorPass
            What :meth:`backward_saved` needs.
        """
        k, n_judges, s, _ = z.shape
        t_fake, slots, position = self._inference_transient(fake_z, fake_index)
        saved = GeneratorPass([], [], views)
        t = self.composite_transient(z, views, saved.layers)
        if self.reordered:
            t = t.index_select(0, self.bucket_order)
        lengths = views.bucket_lengths
        sizes = [k_b * n for k_b, n in zip(lengths, slots, strict=True)]
        fake_parts = t_fake.split(sizes)
        fakes, parts = [], []
        with torch.no_grad():
            for bucket, t_b, t_f, n_slots, igu in zip(
                self.buckets,
                t.split(lengths),
                fake_parts,
                slots,
                views.igus,
                strict=True,
            ):
                t_all = t_b
                if n_slots:
                    t_f = t_f.view(len(t_b), n_slots, -1)
                    t_all = torch.cat([t_f, t_b], dim=1)
                # One IGU pass for the fakes and the training rows.
                alpha = bucket.convex_weights(t_all, igu)
                rows = bucket.combine(alpha)
                if n_slots:
                    alpha = alpha[:, n_slots:]
                    fake_rows, rows = rows.split([n_slots, rows.shape[1] - n_slots], 1)
                    fakes.append(fake_rows.flatten(0, 1))
                saved.buckets.append((t_b, alpha))
                parts.append(rows)
        fakes = fakes[0] if len(fakes) == 1 else torch.cat(fakes)
        rows = self._in_class_order(parts).view(k, n_judges, s, -1)
        return fakes.index_select(0, position), rows, saved

    def forward(self, z):
        """Generate ``(k, s, n_features)`` rows, ``s`` per generator class."""
        parts = [bucket.combine(alpha) for bucket, alpha in self._bucket_weights(z)]
        return self._in_class_order(parts)


def to_device(values, device):
    """An int64 tensor of ``values`` on ``device``, copied without blocking the host
    (through pinned memory) when the device is a GPU; on the CPU it shares the
    memory of an int64 array (callers pass arrays of their own)."""
    tensor = torch.from_numpy(np.ascontiguousarray(values, dtype=np.int64))
    if device.type == "cuda":
        return tensor.pin_memory().to(device, non_blocking=True)
    return tensor


def init_glorot_(module, generator):
    """Initialise like Keras: Glorot-uniform kernels, zero biases, unit BatchNorm.

    Parameters
    ----------
    module : torch.nn.Module
        Module to initialise in place.
    generator : torch.Generator
        Source of randomness; the global RNG is never touched.
    """
    for sub in module.modules():
        if isinstance(sub, nn.Linear | nn.Conv2d):
            nn.init.xavier_uniform_(sub.weight, generator=generator)
            nn.init.zeros_(sub.bias)
        elif isinstance(sub, nn.BatchNorm1d):
            sub.reset_parameters()
        elif isinstance(sub, IGUBucket):
            # Each IGU is Dense(n_i) over the transient vector: fan-in is the
            # transient width and fan-out is that class's own n_i.
            width = sub.weight.shape[2]
            with torch.no_grad():
                sub.weight.zero_()
                sub.bias.zero_()
                for p, n_rows in enumerate(sub.sizes):
                    bound = (6.0 / (width + n_rows)) ** 0.5
                    sub.weight[p, :n_rows].uniform_(-bound, bound, generator=generator)
    return module
