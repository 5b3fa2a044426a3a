"""The reference's generator updates: one Adam state per (class, judge) composite.

The Keras reference compiles two models per oversampled class, IGU_i after the
shared cTMU and then through a frozen M, and the same through a frozen D. Each has
its own Adam moments over the cTMU and IGU_i, and each takes its own step on its
own loss every iteration: ``2k`` optimizer steps for ``k`` classes. Adam normalises
every step, so this is not the same update as one Adam step on the summed loss: the
shared cTMU moves by up to ``2k`` steps instead of one, and M's "opposite label"
objective gets a step of its own instead of being drowned by D's larger gradient.

Here one batched forward pass makes every composite's rows, each group of rows
with its own BatchNorm statistics, and one backward pass gives the gradient of the
summed loss with respect to each layer's output. Every row belongs to one
composite, so each composite's own gradient is the sum over its own rows
(per-group products, as for per-example gradients). One fused Adam step, with
moments per composite, then gives every composite its own normalised move, and G
takes their sum. The reference takes the ``2k`` steps one after the other, each
seeing the parameters the previous one left; here they all start from the
parameters of the start of G's update (``tests/test_fidelity.py`` measures how
little that changes the trajectory).

Keras' single optimizer object also shares one step counter between every model it
trains, so its bias correction advances with every update of any player
(:class:`SharedStepCounter`).
"""

import math

import numpy as np
import torch

BETAS = (0.5, 0.999)
EPS = 1e-7


def adam(params, learning_rate):
    """The reference optimizer, Adam(lr, beta1=0.5).

    The fused implementation (one kernel for the whole update) is some 2.5x faster
    than ``foreach`` on the CPU too; torch before 2.4 only has it on CUDA.
    """
    params = list(params)
    options = dict(lr=learning_rate, betas=BETAS, eps=EPS)
    try:
        return torch.optim.Adam(params, fused=True, **options)
    except RuntimeError:
        return torch.optim.Adam(params, foreach=True, **options)


class FusedAdam:
    """The reference optimizer over a fixed list of tensors, stepped on gradients
    that are passed in.

    It calls the kernel of ``torch.optim.Adam(fused=True)`` directly, with the
    same arguments, so the updates are the same bits; at GAMO's sizes that
    optimizer's per-step bookkeeping in Python costs about as much as the
    update itself. Where torch has no fused kernel for the device (the CPU
    before torch 2.4), it steps a ``foreach`` ``torch.optim.Adam`` instead.

    Parameters
    ----------
    params : iterable of torch.Tensor
        Leaf tensors, updated in place.
    """

    def __init__(self, params):
        self.params = list(params)
        self.fallback = None
        if not _has_fused_adam(self.params[0].device):
            self.fallback = torch.optim.Adam(
                self.params, lr=1.0, betas=BETAS, eps=EPS, foreach=True
            )
            return
        # Checked now, as it reads the device: moves() must not.
        self.overwrites = _overwrites(self.params[0].device)
        self.exp_avgs = [torch.zeros_like(p) for p in self.params]
        self.exp_avg_sqs = [torch.zeros_like(p) for p in self.params]
        self.steps = [
            torch.zeros((), dtype=torch.float32, device=p.device) for p in self.params
        ]

    def step(self, grads, lr):
        """One Adam step of learning rate ``lr`` on ``grads``, one per tensor."""
        if self.fallback is not None:
            for param, grad in zip(self.params, grads, strict=True):
                param.grad = grad
            self.fallback.param_groups[0]["lr"] = lr
            self.fallback.step()
            return
        torch._foreach_add_(self.steps, 1)
        torch._fused_adam_(
            self.params, list(grads), *self._state(), lr=lr, **_KERNEL_OPTIONS
        )

    def moves(self, grads):
        """Overwrite each tensor with Adam's move of learning rate 1 on
        ``grads``, whatever it held: the step taken from zero.

        Where the fused kernels are exact for it (:func:`_overwrites`), this is
        AdamW with learning rate and weight decay 1, whose decay multiplies the
        old value by ``1 - 1 * 1 = 0`` in the same pass, so that no pass zeroes
        the tensors first."""
        if self.fallback is not None or not self.overwrites:
            torch._foreach_zero_(self.params)
            self.step(grads, 1.0)
            return
        torch._foreach_add_(self.steps, 1)
        torch._fused_adamw_(
            self.params,
            list(grads),
            *self._state(),
            lr=1.0,
            **dict(_KERNEL_OPTIONS, weight_decay=1.0),
        )

    def _state(self):
        return self.exp_avgs, self.exp_avg_sqs, [], self.steps


_KERNEL_OPTIONS = dict(
    amsgrad=False,
    beta1=BETAS[0],
    beta2=BETAS[1],
    weight_decay=0.0,
    eps=EPS,
    maximize=False,
)


_FUSED_ADAM = {}


def _has_fused_adam(device):
    """Whether torch has a fused Adam kernel for ``device``'s type (cached)."""
    if device.type not in _FUSED_ADAM:
        probe = torch.zeros(1, device=device)
        try:
            torch._fused_adam_(
                [probe.clone()],
                [probe.clone()],
                [probe.clone()],
                [probe.clone()],
                [],
                [torch.ones((), device=device)],
                lr=1e-3,
                **_KERNEL_OPTIONS,
            )
            _FUSED_ADAM[device.type] = True
        except (RuntimeError, NotImplementedError, AttributeError):
            _FUSED_ADAM[device.type] = False
    return _FUSED_ADAM[device.type]


_OVERWRITES = {}


def _overwrites(device):
    """Whether torch's fused AdamW with learning rate and weight decay 1 gives,
    on ``device``, the same bits as Adam with learning rate 1 from zero
    (checked once per device type, on values that are not zero)."""
    if device.type not in _OVERWRITES:
        grad = torch.tensor([0.3, -2.0, 1e-9, 0.0], device=device)

        def run(kernel, param, weight_decay):
            state = [[torch.full_like(grad, 0.01)], [torch.full_like(grad, 0.02)]]
            step = [torch.full((), 3.0, device=device)]
            options = dict(_KERNEL_OPTIONS, weight_decay=weight_decay)
            kernel([param], [grad], *state, [], step, lr=1.0, **options)
            return param

        try:
            from_zero = run(torch._fused_adam_, torch.zeros_like(grad), 0.0)
            garbage = torch.tensor([5.0, -7.0, 1e30, -0.0], device=device)
            overwritten = run(torch._fused_adamw_, garbage, 1.0)
            _OVERWRITES[device.type] = torch.equal(from_zero, overwritten)
        except (RuntimeError, NotImplementedError, AttributeError):
            _OVERWRITES[device.type] = False
    return _OVERWRITES[device.type]


def _bias_correction(step):
    return math.sqrt(1.0 - BETAS[1] ** step) / (1.0 - BETAS[0] ** step)


class SharedStepCounter:
    """Keras' Adam step counter, shared by every model one optimizer trains.

    Keras 2 keeps Adam moments per compiled model but one ``iterations`` counter
    per optimizer object, and the reference compiles every model with the same
    object. So an update's bias correction uses the number of updates of *any*
    model so far, not of its own: early steps are larger than torch's (about 2.3x
    for a composite's first step with 9 oversampled classes) until both
    corrections reach 1, after a few thousand iterations.
    """

    def __init__(self):
        self.count = 0

    def scale(self, own_step):
        """Advance the counter by one update and return the factor that turns the
        bias correction of an optimizer's ``own_step``-th step (torch's) into the
        shared counter's (Keras')."""
        self.count += 1
        return _bias_correction(self.count) / _bias_correction(own_step)


class PlayerOptimizer:
    """Adam over one network, with the shared step counter.

    Parameters
    ----------
    module : torch.nn.Module
        The network to train.
    learning_rate : float
        Adam learning rate.
    counter : SharedStepCounter
        The game's step counter.
    """

    def __init__(self, module, learning_rate, counter):
        # The parameters in one flat tensor, and their gradients in another,
        # so that Adam's step is one kernel over one tensor.
        params = list(module.parameters())
        flat = _flatten_(params)
        self.optimizer = FusedAdam([flat])
        self.learning_rate = learning_rate
        self.counter = counter
        self.steps = 0
        # Where the backward pass, taken by hand, writes the gradients: views
        # shaped as the parameters.
        self.flat_grad = torch.zeros_like(flat)
        self.grads = _views(self.flat_grad, params)

    def step(self):
        """One Adam step on the gradients written into ``self.grads``."""
        self.steps += 1
        scale = self.counter.scale(self.steps)
        self.optimizer.step([self.flat_grad], self.learning_rate * scale)


class CompositeAdam:
    """G's ``k x judges`` composites, each with its own Adam moments over G's
    parameters.

    Composite ``g = class * judges + judge`` steps on its own gradient: from the
    inputs and outputs of G's layers (:class:`~gamo_sampler.networks.Tap`) and
    the loss's gradient with respect to each output, every composite's gradient
    is the sum over its own rows only. Adam's move does not depend on the
    parameters' values, so each composite's move is Adam's step from zero
    (``moves``, one fused step for all of them), and G takes their sum.

    Every buffer is allocated once: the cTMU's parameters are re-pointed into one
    flat tensor, in blocks (each Linear's weight, then the rest), so that the
    composites' gradients and moves of a block are one ``(composites, size)``
    matrix each and G takes their weighted sum in one product per block; each
    bucket of IGUs takes its own in one batched product.

    Parameters
    ----------
    generator : ConvexGenerator
        The generator; its parameters are updated in place (and the cTMU's are
        moved into one flat tensor, keeping their values).
    n_judges : int
        2 with a discriminator (G through M, then through D), 1 without.
    learning_rate : float
        Adam learning rate.
    update_order : sequence of int
        Generator classes in the order the reference updates them (ascending class
        size): composites of classes updated later weigh more in BatchNorm's running
        statistics.
    counter : SharedStepCounter
        The game's step counter.
    """

    def __init__(self, generator, n_judges, learning_rate, update_order, counter):
        self.generator = generator
        self.n_judges = n_judges
        self.counter = counter
        self.steps = 0
        k = generator.n_generator_classes
        self.n_composites = groups = k * n_judges
        # rank[g]: when composite g steps within an iteration, in the reference.
        position = np.empty(k, dtype=np.int64)
        position[np.asarray(update_order)] = np.arange(k)
        self.rank = (position[:, None] * n_judges + np.arange(n_judges)).ravel()
        device = generator.class_codes.device
        self.params = dict(generator.named_parameters())
        shared = {n: p for n, p in self.params.items() if not n.startswith("buckets.")}
        # The cTMU's tensors in blocks: each Linear's weight alone, so that the
        # batched products write its composites' gradients contiguously (into
        # a strided view bmm makes a product per composite), then the rest.
        weights = [
            n for n in shared if n.startswith("linears.") and n.endswith(".weight")
        ]
        blocks = [[n] for n in weights] + [[n for n in shared if n not in weights]]
        blocks = [block for block in blocks if block]
        self.shared = _flatten_(shared[n] for block in blocks for n in block)
        self.shared_grads = self.shared.new_zeros(groups * len(self.shared))
        self.shared_moves = torch.zeros_like(self.shared_grads)
        # Each block's gradients and moves as (composites, size), composite by
        # composite, and the views of each tensor's gradients in it.
        self.grads, self.shared_sums, offset = {}, [], 0
        for block in blocks:
            size = sum(shared[n].numel() for n in block)
            grads = self.shared_grads[groups * offset : groups * (offset + size)]
            moves = self.shared_moves[groups * offset : groups * (offset + size)]
            row = self.shared[offset : offset + size].view(1, size)
            self.shared_sums.append((row, moves.view(groups, size)))
            inner = 0
            for name in block:
                view = grads.view(groups, size)[:, inner : inner + shared[name].numel()]
                self.grads[name] = view.view(groups, *shared[name].shape)
                inner += shared[name].numel()
            offset += size
        self.bucket_moves = []
        for b, bucket in enumerate(generator.buckets):
            moves = {}
            for part in ("weight", "bias"):
                param = getattr(bucket, part)
                shape = (param.shape[0], n_judges, *param.shape[1:])
                self.grads[f"buckets.{b}.{part}"] = param.new_zeros(shape)
                moves[part] = param.new_zeros(shape)
            self.bucket_moves.append(moves)
        # Composites of each bucket's classes, (k_b, judges).
        self.bucket_composites = [
            np.asarray(bucket.classes)[:, None] * n_judges + np.arange(n_judges)
            for bucket in generator.buckets
        ]
        # The factors of step()'s sums, one per composite's move: every
        # composite in order (for the cTMU), then each bucket's (k_b, judges)
        # in turn; each factor is that of its composite's rank.
        composites = [np.arange(groups)] + [c.ravel() for c in self.bucket_composites]
        self.factor_rank = self.rank[np.concatenate(composites)]
        self.host_factors = torch.zeros(len(self.factor_rank))
        # Written through numpy, which is no torch operation.
        self.host_factors_array = self.host_factors.numpy()
        self.factors = self.host_factors.to(device)
        self.shared_factors, *factors = self.factors.split(
            [groups] + [c.size for c in self.bucket_composites]
        )
        self.shared_factors = self.shared_factors.view(1, groups)
        # What step() sums, as the batched products read it: each part of a
        # bucket, (k_b, 1, size), with its factors, (k_b, 1, judges), and its
        # composites' moves, (k_b, judges, size).
        self.bucket_sums = [
            (
                getattr(bucket, part).view(len(bucket.classes), 1, -1),
                factors[b].view(len(bucket.classes), 1, n_judges),
                self.bucket_moves[b][part].view(len(bucket.classes), n_judges, -1),
            )
            for b, bucket in enumerate(generator.buckets)
            for part in ("weight", "bias")
        ]
        self.moves = [self.shared_moves] + [
            m[part] for m in self.bucket_moves for part in ("weight", "bias")
        ]
        self.grad_list = [self.shared_grads] + [
            self.grads[f"buckets.{b}.{part}"]
            for b in range(len(self.bucket_moves))
            for part in ("weight", "bias")
        ]
        self.optimizer = FusedAdam(self.moves)
        self.learning_rate = learning_rate
        # Where composite_gradients writes each layer's gradients, as the batched
        # products write them: (groups, out, in) and (groups, out).
        self.outputs = {}
        for name in {n.rsplit(".", 1)[0] for n in self.grads}:
            weight, bias = self.grads[f"{name}.weight"], self.grads[f"{name}.bias"]
            if not name.startswith("norms."):
                weight = weight.view(-1, *weight.shape[-2:])
            self.outputs[name] = weight, bias.view(-1, bias.shape[-1])
        momentum = generator.norms[0].momentum if len(generator.norms) else 0.0
        later = self.n_composites - 1 - self.rank
        running_weights = torch.as_tensor(
            momentum * (1.0 - momentum) ** later, dtype=torch.float32, device=device
        )
        self.views = generator.training_views(running_weights)

    def composite_gradients(self, tap, grad):
        """Write the composites' gradients of the parameters of ``tap``'s layer,
        each from its own rows alone, and yield ``(name, gradients)``: views of
        shape ``(composites, *parameter shape)`` (``(k_b, judges, ...)`` for a
        bucket of IGUs) into buffers that the next call overwrites."""
        x, name = tap.input, tap.name
        weight, bias = self.outputs[name]
        if name.startswith("norms."):  # BatchNorm's affine map: x is normalised.
            torch.sum(grad * x, dim=1, out=weight)
        else:
            torch.bmm(grad.transpose(1, 2), x, out=weight)
        torch.sum(grad, dim=1, out=bias)
        yield f"{name}.weight", self.grads[f"{name}.weight"]
        yield f"{name}.bias", self.grads[f"{name}.bias"]

    def step(self, taps):
        """One Adam step per composite, then G takes the sum of the composites'
        moves.

        Parameters
        ----------
        taps : list of Tap
            G's layers, each with the gradient of the summed loss of the
            composites with respect to its output
            (:meth:`~gamo_sampler.networks.ConvexGenerator.backward_saved`).
        """
        for tap in taps:
            for _ in self.composite_gradients(tap, tap.output):
                pass
        self.steps += 1
        # Keras' counter advances once per composite, in the reference's order.
        by_rank = [self.counter.scale(self.steps) for _ in range(self.n_composites)]
        # Each composite's move is Adam's of learning rate 1, so the factors
        # carry the learning rate. They are written on the host into one
        # tensor: on the CPU that is the tensor the products read, on a GPU
        # it takes one copy.
        scale = np.asarray(by_rank) * self.learning_rate
        self.host_factors_array[:] = scale[self.factor_rank]
        if self.factors is not self.host_factors:
            self.factors.copy_(self.host_factors, non_blocking=True)
        self.optimizer.moves(self.grad_list)
        with torch.no_grad():
            for row, moves in self.shared_sums:
                row.addmm_(self.shared_factors, moves)
            for param, factors, moves in self.bucket_sums:
                param.baddbmm_(factors, moves)


def _flatten_(params):
    """Move ``params`` into one flat tensor, each becoming a view of it (values
    kept), and return the flat tensor."""
    params = list(params)
    flat = torch.cat([p.detach().reshape(-1) for p in params])
    for param, view in zip(params, _views(flat, params), strict=True):
        param.data = view
    return flat


def own_storage_(module):
    """Give each parameter of ``module`` a storage of its own again, after
    training moved them into one flat tensor: pickled, each view would carry
    the whole flat tensor with it."""
    for param in module.parameters():
        param.data = param.data.clone()
    return module


def _views(flat, params):
    """Views of ``flat``, one shaped as each of ``params``, in order."""
    views, offset = [], 0
    for param in params:
        size = param.numel()
        views.append(flat[offset : offset + size].view_as(param))
        offset += size
    return views
