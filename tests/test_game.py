"""The batched game against the reference's per-class formulation."""

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from gamo_sampler import networks
from gamo_sampler.game import FakeDrawer, GameConfig, generator_loss, play_game
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


def per_class_reference(generator, classifier, discriminator, z):
    """The reference's step 6: for each class, a G-via-M and a G-via-D loss on
    their own 4-sample batches, with a plain cTMU and a per-class Dense IGU."""
    layers = []
    for linear, norm in zip(generator.linears, generator.norms, strict=True):
        bn = nn.BatchNorm1d(linear.out_features, eps=BN_EPS, momentum=BN_MOMENTUM)
        bn.load_state_dict(norm.state_dict())
        layers += [linear, nn.ReLU(), bn]
    ctmu = nn.Sequential(*layers).train()
    igus = []
    for j, n_rows in enumerate(CLASS_SIZES.values()):
        weight, bias = generator.class_igu(j)
        igu = nn.Linear(generator.width, n_rows)
        igu.weight = nn.Parameter(weight.detach().clone())
        igu.bias = nn.Parameter(bias.detach().clone())
        igus.append(igu)

    losses = []
    z_blocks = z.view(len(CLASS_SIZES), 2, SAMPLES, LATENT)
    for j, code in enumerate(CLASS_SIZES):
        one_hot = F.one_hot(torch.full((SAMPLES,), code), N_CLASSES).float()
        anchors = generator.class_anchors(j)
        for judge in range(2):
            t = ctmu(torch.cat([z_blocks[j, judge], one_hot], dim=1))
            rows = torch.softmax(igus[j](t), dim=1) @ anchors
            if judge == 0:
                losses.append(F.mse_loss(classifier(rows), 1 - one_hot))
            else:
                labels = torch.full((SAMPLES,), code)
                realness = discriminator(rows, labels)
                losses.append(F.mse_loss(realness, torch.ones(SAMPLES)))
    return losses, ctmu, igus


def noise(seed):
    """G's noise for step 6: two judges of SAMPLES rows per generator class."""
    return torch.randn(
        len(CLASS_SIZES) * 2 * SAMPLES,
        LATENT,
        generator=torch.Generator().manual_seed(seed),
    )


def batched_loss(generator, classifier, discriminator, z):
    """Step 6 as the game makes it: G's rows in training mode, then one loss."""
    rows = generator.train()(z, group_size=SAMPLES)
    return generator_loss(rows, generator, classifier, discriminator, SAMPLES)


def test_batched_generator_loss_matches_per_class_formulation(players):
    generator, classifier, discriminator = players
    z = noise(1)
    batched = batched_loss(generator, classifier, discriminator, z)
    batched.backward(inputs=list(generator.parameters()))
    reference_gen = ConvexGenerator(
        [generator.class_anchors(j) for j in range(len(CLASS_SIZES))],
        list(CLASS_SIZES),
        N_CLASSES,
        LATENT,
        hidden_sizes=(8, 5),
    )
    reference_gen.load_state_dict(generator.state_dict())
    losses, ctmu, igus = per_class_reference(
        reference_gen, classifier, discriminator, z
    )
    total = torch.stack(losses).sum()
    total.backward(
        inputs=list(ctmu.parameters()) + [p for i in igus for p in i.parameters()]
    )

    torch.testing.assert_close(batched, total)
    for batched_layer, reference_layer in zip(
        generator.linears, reference_gen.linears, strict=True
    ):
        torch.testing.assert_close(
            batched_layer.weight.grad, reference_layer.weight.grad
        )
        torch.testing.assert_close(batched_layer.bias.grad, reference_layer.bias.grad)
    reference_norms = [m for m in ctmu if isinstance(m, nn.BatchNorm1d)]
    for batched_norm, reference_norm in zip(
        generator.norms, reference_norms, strict=True
    ):
        torch.testing.assert_close(batched_norm.weight.grad, reference_norm.weight.grad)
        torch.testing.assert_close(batched_norm.bias.grad, reference_norm.bias.grad)
    for j, n_rows in enumerate(CLASS_SIZES.values()):
        weight_grad, bias_grad = generator.class_igu(j, grad=True)
        torch.testing.assert_close(weight_grad, igus[j].weight.grad)
        torch.testing.assert_close(bias_grad, igus[j].bias.grad)
        # Padded slots of a smaller class get no weight and no gradient.
        bucket, slot = generator.slots[j]
        padded_grad = generator.buckets[bucket].weight.grad[slot, n_rows:]
        assert torch.all(padded_grad == 0)


def test_generator_loss_leaves_classifier_and_discriminator_untouched(players):
    generator, classifier, discriminator = players
    loss = batched_loss(generator, classifier, discriminator, noise(0))
    loss.backward(inputs=list(generator.parameters()))
    for net in (classifier, discriminator):
        assert all(p.grad is None for p in net.parameters())


def test_generated_rows_are_convex_combinations_of_their_class(players):
    generator = players[0].eval()
    alpha = generator.convex_weights(torch.randn(2 * 10, LATENT))
    assert torch.all(alpha >= 0)
    torch.testing.assert_close(alpha.sum(dim=2), torch.ones(2, 10))
    # The smaller class puts no weight on its padded slots.
    assert torch.all(alpha[1, :, CLASS_SIZES[2] :] == 0)


@pytest.mark.parametrize("overhead", [None, 0])  # one bucket; one per class
def test_shared_anchor_pass_equals_generate_then_forward(overhead, monkeypatch):
    if overhead is not None:
        monkeypatch.setattr(networks, "BUCKET_OVERHEAD", overhead)
    rng = torch.Generator().manual_seed(0)
    anchors = [torch.randn(n, N_FEATURES, generator=rng) for n in (5, 3, 4)]

    def fresh_generator():
        g = ConvexGenerator(anchors, [0, 1, 2], N_CLASSES, LATENT, (8, 5))
        return init_glorot_(g, torch.Generator().manual_seed(1))

    shared, separate = fresh_generator(), fresh_generator()
    assert overhead is None or len(shared.buckets) == 3 and shared.reordered
    counts = [3, 0, 2]
    fakes, index, rows = shared.fakes_and_training_rows(
        counts, SAMPLES, 2, torch.Generator().manual_seed(2)
    )

    noise = torch.Generator().manual_seed(2)
    with torch.no_grad():
        expected_fakes, expected_index = separate.eval().generate(counts, noise)
    z = torch.randn(3 * 2 * SAMPLES, LATENT, generator=noise)
    expected_rows = separate.train()(z, group_size=SAMPLES)

    torch.testing.assert_close(fakes, expected_fakes)
    torch.testing.assert_close(index, expected_index)
    assert not fakes.requires_grad
    torch.testing.assert_close(rows, expected_rows)
    # Same gradients, and the same BatchNorm running statistics afterwards.
    weights = torch.randn(rows.shape, generator=rng)
    (rows * weights).sum().backward()
    (expected_rows * weights).sum().backward()
    for (name, a), b in zip(
        shared.named_parameters(), separate.parameters(), strict=True
    ):
        torch.testing.assert_close(a.grad, b.grad, msg=name)
    for a, b in zip(shared.buffers(), separate.buffers(), strict=True):
        torch.testing.assert_close(a, b)


def test_fake_labels_follow_the_deficits(players):
    generator = players[0].eval()
    deficits = np.array([30, 0, 10])
    drawer = FakeDrawer(
        generator,
        deficits,
        batch_size=64,
        host_rng=torch.Generator().manual_seed(0),
        device_rng=torch.Generator().manual_seed(1),
    )
    codes = []
    with torch.no_grad():
        for _ in range(100):
            rows, labels, _ = drawer.draw(SAMPLES, 2)
            assert rows.shape == (64, N_FEATURES)
            codes.append(labels)
    share = torch.cat(codes).float().eq(0).float().mean().item()
    assert share == pytest.approx(0.75, abs=0.02)
    assert set(torch.cat(codes).tolist()) == {0, 2}


def test_game_without_discriminator_and_without_generator():
    rng = np.random.default_rng(0)
    X = torch.as_tensor(rng.normal(size=(40, 3)), dtype=torch.float32)
    y = torch.as_tensor([0] * 30 + [1] * 10)
    config = GameConfig(
        max_iter=5, hidden_layer_sizes=(8,), generator_hidden_sizes=(8,)
    )
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
