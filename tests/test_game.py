"""The batched game against the reference's per-composite formulation."""

import copy

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F
from torch.utils._python_dispatch import TorchDispatchMode

from gamo_sampler import composites, game, networks
from gamo_sampler.composites import CompositeAdam, FusedAdam, SharedStepCounter
from gamo_sampler.game import Dice, GameConfig, generator_gradients, play_game
from gamo_sampler.networks import (
    BN_EPS,
    BN_MOMENTUM,
    ClassifierNet,
    ConvexGenerator,
    DiscriminatorNet,
    init_glorot_,
)

N_CLASSES, N_FEATURES, LATENT, SAMPLES = 3, 4, 6, 4
CLASS_SIZES = {0: 5, 2: 3}  # generator classes: label codes 0 and 2


@pytest.fixture
def players():
    rng = torch.Generator().manual_seed(0)
    anchors = [torch.randn(n, N_FEATURES, generator=rng) for n in CLASS_SIZES.values()]
    generator = ConvexGenerator(
        anchors, list(CLASS_SIZES), N_CLASSES, LATENT, hidden_sizes=(8, 5)
    )
    classifier = ClassifierNet(N_FEATURES, N_CLASSES, (7,))
    discriminator = DiscriminatorNet(N_FEATURES, N_CLASSES, (7,))
    for net in (generator, classifier, discriminator):
        init_glorot_(net, rng)
    # Non-zero IGU biases make the check of their gradients meaningful.
    with torch.no_grad():
        for j in range(generator.n_generator_classes):
            generator.class_igu(j)[1].normal_(generator=rng)
    return generator, classifier, discriminator


def per_composite_reference(generator, classifier, discriminator, z):
    """The reference's step 6: for each class, a G-via-M and a G-via-D composite on
    their own 4-sample batches, with a plain cTMU and a per-class Dense IGU.
    Returns each composite's loss and its gradients, in ``named_parameters``
    order of the cTMU, then the IGU's weight and bias."""
    results = []
    for j, code in enumerate(CLASS_SIZES):
        one_hot = F.one_hot(torch.full((SAMPLES,), code), N_CLASSES).float()
        anchors = generator.class_anchors(j)
        for judge in range(2):
            layers = []
            for linear, norm in zip(generator.linears, generator.norms, strict=True):
                bn = nn.BatchNorm1d(
                    linear.out_features, eps=BN_EPS, momentum=BN_MOMENTUM
                )
                bn.load_state_dict(norm.state_dict())
                layers += [copy.deepcopy(linear), nn.ReLU(), bn]
            ctmu = nn.Sequential(*layers).train()
            weight, bias = generator.class_igu(j)
            igu = nn.Linear(generator.width, len(anchors))
            igu.weight = nn.Parameter(weight.detach().clone())
            igu.bias = nn.Parameter(bias.detach().clone())
            t = ctmu(torch.cat([z[j, judge], one_hot], dim=1))
            rows = torch.softmax(igu(t), dim=1) @ anchors
            if judge == 0:
                loss = F.mse_loss(classifier(rows), 1 - one_hot)
            else:
                realness = discriminator(rows, torch.full((SAMPLES,), code))
                loss = F.mse_loss(realness, torch.ones(SAMPLES))
            params = [
                p for m in ctmu if not isinstance(m, nn.ReLU) for p in m.parameters()
            ]
            grads = torch.autograd.grad(loss, [*params, igu.weight, igu.bias])
            results.append((loss, grads))
    return results


def noise(seed):
    """G's noise for step 6: two judges of SAMPLES rows per generator class."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(len(CLASS_SIZES), 2, SAMPLES, LATENT, generator=generator)


def training_pass(generator, classifier, discriminator, z, fake_index=(0, 1, 1)):
    """Step 6 as the game makes it: fakes and G's rows, then the summed loss and
    the backward pass."""
    optimizer = CompositeAdam(generator, 2, 1e-3, [1, 0], SharedStepCounter())
    fake_z = torch.randn(len(fake_index), LATENT)
    fakes, rows, saved = generator.fakes_and_training_rows(
        fake_z, np.asarray(fake_index), z, optimizer.views
    )
    loss, taps = generator_gradients(rows, saved, generator, classifier, discriminator)
    return optimizer, loss, taps


def test_each_composite_gets_its_own_gradient(players):
    generator, classifier, discriminator = players
    reference = per_composite_reference(generator, classifier, discriminator, noise(1))
    optimizer, loss, taps = training_pass(
        generator, classifier, discriminator, noise(1)
    )
    torch.testing.assert_close(loss, torch.stack([r[0] for r in reference]).sum())
    ours = {}
    for tap in taps:
        ours.update(optimizer.composite_gradients(tap, tap.output))
    ctmu_names = [
        f"{layer}.{i}.{p}"
        for i in range(len(generator.linears))
        for layer in ("linears", "norms")
        for p in ("weight", "bias")
    ]
    for g, (_, reference_grads) in enumerate(reference):
        j, judge = divmod(g, 2)
        for name, expected in zip(ctmu_names, reference_grads, strict=False):
            torch.testing.assert_close(ours[name][g], expected, msg=name)
        bucket, slot = generator.slots[j]
        n_rows = CLASS_SIZES[list(CLASS_SIZES)[j]]
        weight = ours[f"buckets.{bucket}.weight"][slot, judge]
        bias = ours[f"buckets.{bucket}.bias"][slot, judge]
        torch.testing.assert_close(weight[:n_rows], reference_grads[-2])
        torch.testing.assert_close(bias[:n_rows], reference_grads[-1])
        # Padded slots of a smaller class get no gradient.
        assert torch.all(weight[n_rows:] == 0)


def test_batchnorm_running_statistics_follow_the_composites_in_turn(players):
    generator, classifier, discriminator = players
    z = noise(2)
    expected = [
        (norm.running_mean.clone(), norm.running_var.clone())
        for norm in generator.norms
    ]
    # The reference's order: class 1 (code 2, 3 rows) before class 0 (5 rows),
    # G via M before G via D.
    for j in (1, 0):
        one_hot = F.one_hot(torch.full((SAMPLES,), list(CLASS_SIZES)[j]), N_CLASSES)
        for judge in range(2):
            h = torch.cat([z[j, judge], one_hot.float()], dim=1)
            for i, (linear, norm) in enumerate(
                zip(generator.linears, generator.norms, strict=True)
            ):
                a = torch.relu(linear(h)).detach()
                mean, var = a.mean(0), a.var(0)
                running_mean, running_var = expected[i]
                expected[i] = (
                    running_mean.lerp(mean, BN_MOMENTUM),
                    running_var.lerp(var, BN_MOMENTUM),
                )
                h = (
                    norm.weight
                    * (a - mean)
                    / torch.sqrt(a.var(0, unbiased=False) + BN_EPS)
                    + norm.bias
                )
    training_pass(generator, classifier, discriminator, z)
    for norm, (running_mean, running_var) in zip(
        generator.norms, expected, strict=True
    ):
        torch.testing.assert_close(norm.running_mean, running_mean)
        torch.testing.assert_close(norm.running_var, running_var)


def test_composite_step_leaves_classifier_and_discriminator_untouched(players):
    generator, classifier, discriminator = players
    before = [p.detach().clone() for p in generator.parameters()]
    optimizer, loss, taps = training_pass(
        generator, classifier, discriminator, noise(0)
    )
    optimizer.step(taps)
    for net in (classifier, discriminator):
        assert all(p.grad is None for p in net.parameters())
    moved = [
        not torch.equal(a, b)
        for a, b in zip(before, generator.parameters(), strict=True)
    ]
    assert all(moved)


def test_generated_rows_are_convex_combinations_of_their_class(players):
    generator = players[0].eval()
    alpha = generator.convex_weights(torch.randn(2 * 10, LATENT))
    assert torch.all(alpha >= 0)
    torch.testing.assert_close(alpha.sum(dim=2), torch.ones(2, 10))
    # The smaller class puts no weight on its padded slots.
    assert torch.all(alpha[1, :, CLASS_SIZES[2] :] == 0)


@pytest.mark.parametrize("overhead", [None, 0])  # one bucket; one per class
def test_shared_anchor_pass_gives_the_fakes_of_inference_mode(overhead, monkeypatch):
    if overhead is not None:
        monkeypatch.setattr(networks, "BUCKET_OVERHEAD", overhead)
    rng = torch.Generator().manual_seed(0)
    anchors = [torch.randn(n, N_FEATURES, generator=rng) for n in (5, 3, 4)]
    generator = ConvexGenerator(anchors, [0, 1, 2], N_CLASSES, LATENT, (8, 5))
    init_glorot_(generator, torch.Generator().manual_seed(1))
    assert overhead is None or len(generator.buckets) == 3 and generator.reordered
    fake_index = np.array([2, 0, 2, 0, 0])
    fake_z = torch.randn(len(fake_index), LATENT, generator=rng)
    generator.eval()
    with torch.no_grad():
        expected = [
            (generator.class_weights(fake_z[i : i + 1], j) @ anchors[j])[0]
            for i, j in enumerate(fake_index.tolist())
        ]
    optimizer = CompositeAdam(generator, 1, 1e-3, [0, 1, 2], SharedStepCounter())
    z = torch.randn(3, 1, SAMPLES, LATENT, generator=rng)
    fakes, rows, _ = generator.fakes_and_training_rows(
        fake_z, fake_index, z, optimizer.views
    )
    assert not fakes.requires_grad
    # The fakes use the running statistics from before the training rows'.
    torch.testing.assert_close(fakes, torch.stack(expected))
    with torch.no_grad():
        # Training rows are convex combinations of their own class too.
        assert rows.shape == (3, 1, SAMPLES, N_FEATURES)
        for j in range(3):
            low, high = anchors[j].min(0).values, anchors[j].max(0).values
            assert torch.all(rows[j] >= low - 1e-5) and torch.all(
                rows[j] <= high + 1e-5
            )


def test_fake_labels_follow_the_deficits(players):
    generator = players[0].eval()
    deficits = np.array([30, 0, 10])
    config = GameConfig(batch_size=64, latent_dim=LATENT)
    rngs = (torch.Generator().manual_seed(0), torch.Generator().manual_seed(1))
    dice = Dice(generator, deficits, config, 2, rngs)
    draws = [dice.roll(10) for _ in range(100)]
    assert draws[0].z.shape == (2, 2, config.samples_per_class, LATENT)
    assert draws[0].fake_z.shape == (64, LATENT)
    noise = torch.cat([d.real_noise for d in draws] + [d.fake_noise for d in draws])
    assert 0 <= noise.min() and noise.max() <= 0.1
    index = np.concatenate([d.fake_index for d in draws])
    assert (index == 0).mean() == pytest.approx(0.75, abs=0.02)
    assert set(index.tolist()) == {0, 1}


def small_problem(max_iter):
    """40 rows of 3 features (30 + 10) and a game of tiny networks."""
    rng = np.random.default_rng(0)
    X = torch.as_tensor(rng.normal(size=(40, 3)), dtype=torch.float32)
    y = torch.as_tensor([0] * 30 + [1] * 10)
    config = GameConfig(
        max_iter=max_iter, hidden_layer_sizes=(8,), generator_hidden_sizes=(8,)
    )
    return X, y, config


def test_game_without_discriminator_and_without_generator():
    X, y, config = small_problem(max_iter=5)
    no_d = play_game(
        X,
        y,
        2,
        np.array([0, 20]),
        GameConfig(**{**config.__dict__, "use_discriminator": False}),
        seed=0,
        device=torch.device("cpu"),
    )
    assert np.all(np.isnan(no_d.history["discriminator"]))
    assert np.all(np.isfinite(no_d.history["generator"]))
    plain = play_game(
        X, y, 2, np.array([0, 0]), config, seed=0, device=torch.device("cpu")
    )
    assert plain.generator is None
    assert np.all(np.isfinite(plain.history["classifier"]))
    assert np.all(np.isnan(plain.history["generator"]))


class HostReads(TorchDispatchMode):
    """Count, while active, the reads of tensor values into Python: ``item()``,
    ``bool()``, ``float()``, ``int()`` (all through
    ``aten::_local_scalar_dense``), ``tolist()`` and ``cpu()``. On a GPU each
    is a synchronisation that stops the host from queueing work ahead.
    (``numpy()`` is not counted: it only takes tensors already on the host.)"""

    def __init__(self, monkeypatch):
        super().__init__()
        self.count = 0
        self.active = False
        for name in ("tolist", "cpu"):
            method = getattr(torch.Tensor, name)
            monkeypatch.setattr(torch.Tensor, name, self.counted(method))

    def counted(self, method):
        def wrapper(tensor, *args, **kwargs):
            self.count += self.active
            return method(tensor, *args, **kwargs)

        return wrapper

    def __enter__(self):
        self.active = True
        return super().__enter__()

    def __exit__(self, *args):
        self.active = False
        return super().__exit__(*args)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func is torch.ops.aten._local_scalar_dense.default:
            self.count += 1
        return func(*args, **(kwargs or {}))


@pytest.mark.usefixtures("one_torch_thread")
@pytest.mark.parametrize(
    "with_progress, early_stopping", [(False, False), (True, False), (True, True)]
)
def test_at_most_one_host_read_per_50_iterations(
    with_progress, early_stopping, monkeypatch
):
    rng = np.random.default_rng(0)
    # 4,000 rows: early stopping checks once per epoch, every 125 iterations.
    n_rows = 4000 if early_stopping else 200
    X = torch.as_tensor(rng.normal(size=(n_rows, 5)), dtype=torch.float32)
    y = torch.as_tensor(np.repeat([0, 1, 2], np.array([120, 50, 30]) * n_rows // 200))
    config = GameConfig(
        max_iter=300 if early_stopping else 100,
        hidden_layer_sizes=(8,),
        generator_hidden_sizes=(8, 4),
    )
    validation = (X[:30], y[:30]) if early_stopping else None
    reports = []
    reads = HostReads(monkeypatch)
    # Count the training loop's reads only, not the set-up's or the result's.
    train_loop = game.train_loop

    def counted_loop(*args, **kwargs):
        with reads:
            return train_loop(*args, **kwargs)

    monkeypatch.setattr(game, "train_loop", counted_loop)
    progress = (lambda it, losses: reports.append(it)) if with_progress else None
    deficits = np.bincount(y.numpy()).max() - np.bincount(y.numpy())
    result = play_game(
        X, y, 3, deficits, config, 0, torch.device("cpu"), progress, validation
    )
    # One read per 50 iterations (the last at the end, with the check of the
    # last networks), and the history copied out once.
    assert reads.count <= config.max_iter // 50 + 1
    if early_stopping:
        # Checks after 125 and 250 iterations, each read with the losses;
        # the reads before them that would come less than 50 iterations
        # ahead are left out.
        assert result.early_stopping.iterations == [125, 250, 300]
        assert reports == [49, 124, 174, 249, 299]
    elif with_progress:
        assert reports == [49, 99]


def test_trained_networks_keep_a_storage_per_parameter():
    # Training moves each network's parameters into one flat tensor; pickled,
    # a view would carry the whole of it.
    X, y, config = small_problem(max_iter=3)
    result = play_game(X, y, 2, np.array([0, 20]), config, 0, torch.device("cpu"))
    for net in (result.classifier, result.generator):
        storages = [p.untyped_storage().data_ptr() for p in net.parameters()]
        assert len(set(storages)) == len(storages)


def adam_moves(path, monkeypatch, steps=3):
    """The moves of ``steps`` calls of FusedAdam.moves taken by ``path``, each
    call on buffers that hold large values beforehand."""
    if path != "overwrite":
        monkeypatch.setitem(composites._OVERWRITES, "cpu", False)
    if path == "torch.optim":
        monkeypatch.setitem(composites._FUSED_ADAM, "cpu", False)
    rng = torch.Generator().manual_seed(0)
    moves = [torch.empty(5, 3), torch.empty(4)]
    optimizer = FusedAdam(moves)
    taken = []
    for _ in range(steps):
        for move in moves:
            move.uniform_(-1e3, 1e3, generator=rng)
        optimizer.moves([torch.randn(m.shape, generator=rng) for m in moves])
        taken.append([move.clone() for move in moves])
    return taken


def test_adam_moves_overwrite_the_buffers_exactly(monkeypatch):
    # Adam from zero, whatever the buffers held: fused AdamW with learning
    # rate and weight decay 1 gives the same bits as zeroing them first.
    overwritten = adam_moves("overwrite", monkeypatch)
    monkeypatch.undo()
    zeroed = adam_moves("zero then Adam", monkeypatch)
    monkeypatch.undo()
    # torch.optim's Adam (where torch has no fused kernel) sums in another
    # order: each move is a few float32 operations, so within 1e-5 of each.
    plain = adam_moves("torch.optim", monkeypatch)
    for ours, theirs, reference in zip(overwritten, zeroed, plain, strict=True):
        for a, b, c in zip(ours, theirs, reference, strict=True):
            assert torch.equal(a, b)
            torch.testing.assert_close(a, c, rtol=1e-5, atol=0)
            # A move of learning rate 1 is at most a few units.
            assert a.abs().max() < 10
