"""Torch modules of the GAMO game: convex generator, classifier and discriminator.

The modules know tensors only; scikit-learn conventions live in ``sampler.py`` and
``classifier.py``. Layer shapes, activations and initialisation follow the authors'
Keras code (Glorot-uniform kernels, zero biases, LeakyReLU slope 0.1).
"""

import torch
from torch import nn
from torch.nn import functional as F

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


class ClassifierNet(nn.Module):
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


class DiscriminatorNet(nn.Module):
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

    def forward(self, x, labels):
        """Return the probability, of shape ``(n,)``, that ``x`` is a real row of class
        ``labels``."""
        one_hot = F.one_hot(labels, self.n_classes).to(x.dtype)
        return torch.sigmoid(self.net(torch.cat([x, one_hot], dim=1))).squeeze(1)


class GroupBatchNorm(nn.BatchNorm1d):
    """Batch normalisation whose training statistics are taken per group of rows.

    The reference updates G with one tiny batch per class, so each class's rows are
    normalised with that class's own statistics. Normalising every ``group_size``
    consecutive rows separately gives exactly those per-class statistics in one
    batched pass. The running statistics move once per call, towards the mean of
    the group statistics.
    """

    def forward(self, x, group_size=None):
        """Normalise ``x``; in training mode, each ``group_size`` rows on their own."""
        if not self.training or group_size is None or group_size == x.shape[0]:
            return super().forward(x)
        groups = x.view(-1, group_size, x.shape[1])
        mean = groups.mean(dim=1, keepdim=True)
        var = groups.var(dim=1, unbiased=False, keepdim=True)
        normalised = (groups - mean) * torch.rsqrt(var + self.eps)
        with torch.no_grad():
            n = group_size
            unbiased_var = var.mean(dim=(0, 1)) * n / max(n - 1, 1)
            self.running_mean.lerp_(mean.mean(dim=(0, 1)), self.momentum)
            self.running_var.lerp_(unbiased_var, self.momentum)
            self.num_batches_tracked += 1
        out = normalised.view_as(x)
        return out * self.weight + self.bias


class ConvexGenerator(nn.Module):
    """GAMO's convex generator: a shared cTMU and one IGU per class to oversample.

    The cTMU maps ``[z, one_hot(class)]`` through ``Linear -> ReLU -> BatchNorm``
    blocks to a transient vector ``t``. The IGU of class ``i`` maps ``t`` to softmax
    weights ``alpha`` over that class's ``n_i`` anchor rows ``X_i``, and the sample is
    ``alpha @ X_i``: a convex combination of real rows of its own class.

    All IGUs live in one zero-padded tensor of shape ``(k, max n_i, width)`` so that
    every class is handled by the same batched matrix products; padded slots are
    masked out of the softmax and never receive weight.

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
        self.linears = nn.ModuleList()
        self.norms = nn.ModuleList()
        width = latent_dim + n_classes
        for size in hidden_sizes:
            self.linears.append(nn.Linear(width, size))
            self.norms.append(GroupBatchNorm(size, eps=BN_EPS, momentum=BN_MOMENTUM))
            width = size
        sizes = [len(a) for a in anchors]
        n_max, n_features = max(sizes), anchors[0].shape[1]
        padded = anchors[0].new_zeros(len(anchors), n_max, n_features)
        mask = torch.ones(len(anchors), n_max, dtype=torch.bool)
        for j, rows in enumerate(anchors):
            padded[j, : len(rows)] = rows
            mask[j, : len(rows)] = False
        self.register_buffer("anchors", padded)
        # -inf on padded slots removes them from the softmax.
        self.register_buffer(
            "logit_mask", torch.zeros(mask.shape).masked_fill(mask, float("-inf"))
        )
        self.register_buffer("class_sizes", torch.as_tensor(sizes))
        self.igu_weight = nn.Parameter(torch.empty(len(anchors), n_max, width))
        self.igu_bias = nn.Parameter(torch.zeros(len(anchors), n_max))

    @property
    def n_generator_classes(self):
        """Number of classes the generator oversamples."""
        return self.anchors.shape[0]

    def transient(self, z, class_index, group_size=None):
        """The cTMU: map noise and generator-class indices to transient vectors."""
        codes = self.class_codes[class_index]
        h = torch.cat([z, F.one_hot(codes, self.n_classes).to(z.dtype)], dim=1)
        for linear, norm in zip(self.linears, self.norms, strict=True):
            h = norm(torch.relu(linear(h)), group_size)
        return h

    def convex_weights(self, z, group_size=None):
        """Return ``alpha`` of shape ``(k, s, max n_i)`` for ``s`` samples per class.

        ``z`` has shape ``(k * s, latent_dim)``, class-major: rows ``j*s .. j*s+s-1``
        belong to generator class ``j``.
        """
        k = self.n_generator_classes
        class_index = torch.arange(k, device=z.device).repeat_interleave(
            z.shape[0] // k
        )
        t = self.transient(z, class_index, group_size).view(
            k, -1, self.igu_weight.shape[2]
        )
        logits = torch.baddbmm(
            self.igu_bias.unsqueeze(1), t, self.igu_weight.transpose(1, 2)
        )
        return torch.softmax(logits + self.logit_mask.unsqueeze(1), dim=2)

    def class_weights(self, z, class_index):
        """Return ``alpha`` of shape ``(len(z), n_j)`` for the generator class
        ``class_index`` alone, with no padded slots."""
        n_rows = int(self.class_sizes[class_index])
        labels = torch.full((len(z),), class_index, device=z.device)
        t = self.transient(z, labels)
        weight = self.igu_weight[class_index, :n_rows]
        bias = self.igu_bias[class_index, :n_rows]
        return torch.softmax(torch.addmm(bias, t, weight.T), dim=1)

    def forward(self, z, group_size=None):
        """Generate ``(k, s, n_features)`` rows, ``s`` per generator class."""
        return torch.bmm(self.convex_weights(z, group_size), self.anchors)


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
        elif isinstance(sub, ConvexGenerator):
            # Each IGU is Dense(n_i) over the transient vector: fan-in is the
            # transient width and fan-out is that class's own n_i.
            width = sub.igu_weight.shape[2]
            for j, n_rows in enumerate(sub.class_sizes.tolist()):
                bound = (6.0 / (width + n_rows)) ** 0.5
                with torch.no_grad():
                    sub.igu_weight[j].uniform_(-bound, bound, generator=generator)
                    sub.igu_weight[j, n_rows:] = 0.0
                    sub.igu_bias[j] = 0.0
    return module
