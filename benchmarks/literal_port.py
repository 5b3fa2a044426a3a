"""A literal, per-class PyTorch port of the authors' GAMO training loop: the yardstick.

The Keras reference builds one IGU model per class to oversample and two composite
models per class (IGU_i through a frozen M, IGU_i through a frozen D), each compiled
with its own Adam slots, and calls ``train_on_batch`` on each of them every
iteration. This module does the same in PyTorch, one module and one optimizer per
composite, so that ``bench_iteration.py`` can time it side by side with
:func:`gamo_sampler.game.play_game`:

- one ``IGU`` module per class: ``softmax(Linear(width, n_i)(t)) @ X_i``;
- one Adam per (class, judge) composite, over the shared cTMU and that class's IGU;
- per iteration: M and D on the real batch, fakes routed to their class's IGU,
  M and D on the fakes, then two tiny optimizer steps per class (G via M, G via D).

It is a fair port, not a straw man: it already uses ``alpha @ X_i`` rather than the
reference's ``B x d x n_i`` RepeatVector, and, like Keras' frozen composites, it
back-propagates the G losses into G's parameters only. The mathematics of one
iteration (losses, targets, per-class BatchNorm statistics) is that of
``gamo_sampler.game``; the differences are the layout and the optimizer state
(Keras and this port keep Adam moments per composite, ``gamo_sampler`` one per
network).

Run ``python benchmarks/literal_port.py`` for a quick smoke run.
"""

import argparse
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

LEAKY_SLOPE = 0.1
LABEL_NOISE = 0.1


def glorot_(module):
    """Keras initialisation: Glorot-uniform kernels and zero biases."""
    for sub in module.modules():
        if isinstance(sub, nn.Linear):
            nn.init.xavier_uniform_(sub.weight)
            nn.init.zeros_(sub.bias)
    return module


def mlp(n_inputs, hidden, n_outputs):
    """``Linear -> LeakyReLU(0.1)`` blocks and a linear output layer."""
    layers = []
    for width in hidden:
        layers += [nn.Linear(n_inputs, width), nn.LeakyReLU(LEAKY_SLOPE)]
        n_inputs = width
    return glorot_(nn.Sequential(*layers, nn.Linear(n_inputs, n_outputs)))


class CTMU(nn.Module):
    """The shared part of G: ``[z, one_hot] -> (Linear -> ReLU -> BatchNorm)*``."""

    def __init__(self, latent_dim, n_classes, hidden):
        super().__init__()
        layers, width = [], latent_dim + n_classes
        for size in hidden:
            layers += [
                nn.Linear(width, size),
                nn.ReLU(),
                nn.BatchNorm1d(size, eps=1e-3, momentum=0.1),
            ]
            width = size
        self.net = glorot_(nn.Sequential(*layers))
        self.n_classes = n_classes
        self.width = width

    def forward(self, z, codes):
        one_hot = F.one_hot(codes, self.n_classes).to(z.dtype)
        return self.net(torch.cat([z, one_hot], dim=1))


class IGU(nn.Module):
    """The instance generation unit of one class: ``softmax(W t + b) @ X_i``."""

    def __init__(self, width, rows):
        super().__init__()
        self.dense = glorot_(nn.Linear(width, len(rows)))
        self.register_buffer("rows", rows)

    def forward(self, t):
        return torch.softmax(self.dense(t), dim=1) @ self.rows


class LiteralGAMO:
    """The reference loop, per class, on tensors.

    Parameters
    ----------
    X : torch.Tensor of shape (n_samples, n_features)
        Standardised float32 rows.
    y : torch.Tensor of shape (n_samples,)
        Integer class codes.
    n_classes : int
        Number of classes.
    deficits : ndarray of shape (n_classes,)
        Rows to generate per class; classes with 0 get no IGU.
    batch_size, latent_dim, generator_hidden_sizes, hidden_layer_sizes,
    learning_rate, samples_per_class :
        As in :class:`gamo_sampler.game.GameConfig`.
    seed : int
        Seed of the port's generators.
    """

    def __init__(
        self,
        X,
        y,
        n_classes,
        deficits,
        *,
        batch_size=32,
        latent_dim=100,
        generator_hidden_sizes=(256, 64),
        hidden_layer_sizes=(256, 128),
        learning_rate=2e-4,
        samples_per_class=4,
        seed=0,
    ):
        torch.manual_seed(seed)
        self.X, self.y = X, y
        self.n_classes = n_classes
        self.batch_size = batch_size
        self.latent_dim = latent_dim
        self.samples = samples_per_class
        self.rng = np.random.default_rng(seed)
        deficits = np.asarray(deficits, dtype=np.float64)
        self.minority = np.flatnonzero(deficits > 0)
        self.proportions = deficits[self.minority] / deficits[self.minority].sum()
        n_features = X.shape[1]
        self.M = mlp(n_features, hidden_layer_sizes, n_classes)
        self.D = mlp(n_features + n_classes, hidden_layer_sizes, 1)
        self.ctmu = CTMU(latent_dim, n_classes, generator_hidden_sizes)
        self.igus = [IGU(self.ctmu.width, X[y == i]) for i in self.minority.tolist()]

        def adam(params):
            return torch.optim.Adam(
                params, lr=learning_rate, betas=(0.5, 0.999), eps=1e-7
            )

        self.m_opt = adam(self.M.parameters())
        self.d_opt = adam(self.D.parameters())
        # One optimizer per (class, judge) composite, as Keras compiles them.
        self.composites = []
        for igu in self.igus:
            params = list(self.ctmu.parameters()) + list(igu.parameters())
            self.composites.append((params, adam(params), params, adam(params)))
        self.eye = torch.eye(n_classes)
        self.order = self.rng.permutation(len(X))
        self.cursor = 0
        # Seconds spent per phase, by ``clock``: what bounds any speed-up.
        self.clock = time.perf_counter
        self.phase_seconds = dict.fromkeys(("M and D", "fakes", "G"), 0.0)

    def classify(self, x):
        return torch.softmax(self.M(x), dim=1)

    def discriminate(self, x, codes):
        one_hot = self.eye[codes]
        return torch.sigmoid(self.D(torch.cat([x, one_hot], dim=1))).squeeze(1)

    def step(self, optimizer, loss, inputs=None):
        optimizer.zero_grad()
        loss.backward(inputs=inputs)
        optimizer.step()

    def iteration(self):
        """One training iteration: the reference's updates, in its order."""
        start = self.clock()
        if self.cursor >= len(self.X):
            self.order = self.rng.permutation(len(self.X))
            self.cursor = 0
        batch = torch.as_tensor(self.order[self.cursor : self.cursor + self.batch_size])
        self.cursor += self.batch_size
        x_real, y_real = self.X[batch], self.y[batch]
        n = len(batch)
        # 1. M on the real batch; 2. D on the real batch.
        self.step(self.m_opt, F.mse_loss(self.classify(x_real), self.eye[y_real]))
        real_target = 1.0 - LABEL_NOISE * torch.rand(n)
        self.step(
            self.d_opt,
            F.mse_loss(self.discriminate(x_real, y_real), real_target),
        )
        # 3. Fakes: gen.predict, then each sample through its own class's IGU.
        mark = self.clock()
        self.phase_seconds["M and D"] += mark - start
        fake_slot = self.rng.choice(
            len(self.minority), self.batch_size, p=self.proportions
        )
        codes = torch.as_tensor(self.minority[fake_slot])
        self.ctmu.eval()
        with torch.no_grad():
            t = self.ctmu(torch.randn(self.batch_size, self.latent_dim), codes)
            x_fake = torch.empty(self.batch_size, self.X.shape[1])
            for slot in np.unique(fake_slot).tolist():
                rows = torch.as_tensor(np.flatnonzero(fake_slot == slot))
                x_fake[rows] = self.igus[slot](t[rows])
        self.ctmu.train()
        start = self.clock()
        self.phase_seconds["fakes"] += start - mark
        # 4. M on the fakes; 5. D on the fakes.
        self.step(self.m_opt, F.mse_loss(self.classify(x_fake), self.eye[codes]))
        fake_target = LABEL_NOISE * torch.rand(self.batch_size)
        self.step(self.d_opt, F.mse_loss(self.discriminate(x_fake, codes), fake_target))
        # 6. Per class: G through a frozen M, then G through a frozen D.
        mark = self.clock()
        self.phase_seconds["M and D"] += mark - start
        for slot, code in enumerate(self.minority.tolist()):
            igu = self.igus[slot]
            m_params, m_opt, d_params, d_opt = self.composites[slot]
            labels = torch.full((self.samples,), code)
            t = self.ctmu(torch.randn(self.samples, self.latent_dim), labels)
            opposite = 1.0 - self.eye[labels]
            loss = F.mse_loss(self.classify(igu(t)), opposite)
            self.step(m_opt, loss, inputs=m_params)
            t = self.ctmu(torch.randn(self.samples, self.latent_dim), labels)
            realness = self.discriminate(igu(t), labels)
            loss = F.mse_loss(realness, torch.ones(self.samples))
            self.step(d_opt, loss, inputs=d_params)
        self.phase_seconds["G"] += self.clock() - mark


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=int, default=64)
    parser.add_argument("--iterations", type=int, default=20)
    args = parser.parse_args()
    sizes = [400, 200, 100, 40]
    rng = np.random.default_rng(0)
    X = torch.as_tensor(
        rng.standard_normal((sum(sizes), args.features)), dtype=torch.float32
    )
    y = torch.as_tensor(np.repeat(np.arange(len(sizes)), sizes))
    game = LiteralGAMO(X, y, len(sizes), max(sizes) - np.array(sizes))
    start = time.perf_counter()
    for _ in range(args.iterations):
        game.iteration()
    elapsed = time.perf_counter() - start
    print(f"{elapsed / args.iterations * 1e3:.2f} ms per iteration")


if __name__ == "__main__":
    main()
