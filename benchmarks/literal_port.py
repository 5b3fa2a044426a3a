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
back-propagates the G losses into G's parameters only. Like Keras, it takes the
``2k`` composite steps one after the other (each sees the parameters the previous
one left), updates G's classes in ascending order of size, and shares one Adam
step counter between every update (``KerasCounter``). ``tests/test_fidelity.py``
replays ``gamo_sampler.game`` against it draw for draw.

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


class KerasCounter:
    """Keras' ``iterations``: one counter per optimizer object, which the reference
    shares between every model it compiles. Each update's learning rate is
    ``lr * sqrt(1 - beta2**t) / (1 - beta1**t)`` with ``t`` this counter; torch's
    Adam divides by its own step's correction, which ``lr_for`` undoes."""

    def __init__(self, learning_rate, betas=(0.5, 0.999)):
        self.learning_rate = learning_rate
        self.betas = betas
        self.iterations = 0

    def correction(self, t):
        return (1 - self.betas[1] ** t) ** 0.5 / (1 - self.betas[0] ** t)

    def lr_for(self, own_step):
        self.iterations += 1
        keras = self.correction(self.iterations)
        return self.learning_rate * keras / self.correction(own_step)


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
    generator_updates : {"per-composite", "simultaneous", "summed"}, \
            default="per-composite"
        ``"simultaneous"`` computes every composite's gradient at the parameters
        of the start of step 6 and then takes the composites' steps, as
        ``gamo_sampler`` does in one batch. ``"summed"`` replaces the
        reference's per-composite steps by one Adam step over G on the sum of
        their losses (what ``gamo_sampler`` did before it played the
        reference's updates): the yardstick's counter-example.
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
        generator_updates="per-composite",
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
        # The reference relabels classes by ascending size and updates G's
        # classes in that order.
        sizes = torch.bincount(y, minlength=n_classes).numpy()[self.minority]
        self.update_order = np.argsort(sizes, kind="stable").tolist()
        n_features = X.shape[1]
        self.M = mlp(n_features, hidden_layer_sizes, n_classes)
        self.D = mlp(n_features + n_classes, hidden_layer_sizes, 1)
        self.ctmu = CTMU(latent_dim, n_classes, generator_hidden_sizes)
        self.igus = [IGU(self.ctmu.width, X[y == i]) for i in self.minority.tolist()]
        self.counter = KerasCounter(learning_rate)

        def adam(params):
            return torch.optim.Adam(
                params, lr=learning_rate, betas=(0.5, 0.999), eps=1e-7
            )

        self.m_opt = adam(self.M.parameters())
        self.d_opt = adam(self.D.parameters())
        self.summed = generator_updates == "summed"
        self.simultaneous = generator_updates == "simultaneous"
        if self.summed:
            params = list(self.ctmu.parameters())
            params += [p for igu in self.igus for p in igu.parameters()]
            self.g_params, self.g_opt = params, adam(params)
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

    def load_players(self, classifier, discriminator, generator):
        """Start from the weights of ``gamo_sampler``'s players (and G's anchors)."""
        self.M.load_state_dict(classifier.net.state_dict())
        self.D.load_state_dict(discriminator.net.state_dict())
        with torch.no_grad():
            layers = [m for m in self.ctmu.net if not isinstance(m, nn.ReLU)]
            theirs = [
                m
                for pair in zip(generator.linears, generator.norms, strict=True)
                for m in pair
            ]
            for mine, their in zip(layers, theirs, strict=True):
                mine.load_state_dict(their.state_dict())
            for j, igu in enumerate(self.igus):
                weight, bias = generator.class_igu(j)
                igu.dense.weight.copy_(weight)
                igu.dense.bias.copy_(bias)
                igu.rows = generator.class_anchors(j).clone()

    def classify(self, x):
        return torch.softmax(self.M(x), dim=1)

    def discriminate(self, x, codes):
        one_hot = self.eye[codes]
        return torch.sigmoid(self.D(torch.cat([x, one_hot], dim=1))).squeeze(1)

    def step(self, optimizer, loss, inputs=None):
        if loss is not None:
            optimizer.zero_grad()
            loss.backward(inputs=inputs)
        state = optimizer.state[optimizer.param_groups[0]["params"][0]]
        own_step = int(state["step"]) + 1 if "step" in state else 1
        optimizer.param_groups[0]["lr"] = self.counter.lr_for(own_step)
        optimizer.step()

    def g_step(self, optimizer, loss, params, summed, pending):
        """One composite's G update, as ``generator_updates`` says."""
        if self.summed:
            summed.append(loss)
        elif self.simultaneous:
            grads = torch.autograd.grad(loss, params, retain_graph=True)
            pending.append((optimizer, params, grads))
        else:
            self.step(optimizer, loss, inputs=params)

    def draws(self, n_real):
        """The port's own random draws for one iteration (``Draws``' fields)."""
        fake_index = self.rng.choice(
            len(self.minority), self.batch_size, p=self.proportions
        )
        return {
            "real_noise": LABEL_NOISE * torch.rand(n_real),
            "fake_index": fake_index,
            "fake_z": torch.randn(self.batch_size, self.latent_dim),
            "fake_noise": LABEL_NOISE * torch.rand(self.batch_size),
            "z": torch.randn(len(self.minority), 2, self.samples, self.latent_dim),
        }

    def next_batch(self):
        """The next real mini-batch of a shuffled pass over the data."""
        if self.cursor >= len(self.X):
            self.order = self.rng.permutation(len(self.X))
            self.cursor = 0
        batch = torch.as_tensor(self.order[self.cursor : self.cursor + self.batch_size])
        self.cursor += self.batch_size
        return self.X[batch], self.y[batch]

    def iteration(self, x_real=None, y_real=None, draws=None):
        """One training iteration: the reference's updates, in its order.

        By default the port takes its own next batch and draws; a replay passes
        the real batch and a ``gamo_sampler.game.Draws`` (or a dict of its fields).

        Returns
        -------
        losses : dict
            M's and D's losses on the real batch and each composite's G loss.
        """
        start = self.clock()
        if x_real is None:
            x_real, y_real = self.next_batch()
        if draws is None:
            draws = self.draws(len(y_real))
        elif not isinstance(draws, dict):
            draws = vars(draws)
        losses = {}
        # 1. M on the real batch; 2. D on the real batch.
        loss = F.mse_loss(self.classify(x_real), self.eye[y_real])
        self.step(self.m_opt, loss)
        losses["M"] = loss.item()
        loss = F.mse_loss(self.discriminate(x_real, y_real), 1.0 - draws["real_noise"])
        self.step(self.d_opt, loss)
        losses["D"] = loss.item()
        # 3. Fakes: gen.predict, then each sample through its own class's IGU.
        mark = self.clock()
        self.phase_seconds["M and D"] += mark - start
        fake_slot = np.asarray(draws["fake_index"])
        codes = torch.as_tensor(self.minority[fake_slot])
        self.ctmu.eval()
        with torch.no_grad():
            t = self.ctmu(draws["fake_z"], codes)
            x_fake = torch.empty(self.batch_size, self.X.shape[1])
            for slot in np.unique(fake_slot).tolist():
                rows = torch.as_tensor(np.flatnonzero(fake_slot == slot))
                x_fake[rows] = self.igus[slot](t[rows])
        self.ctmu.train()
        start = self.clock()
        self.phase_seconds["fakes"] += start - mark
        # 4. M on the fakes; 5. D on the fakes.
        self.step(self.m_opt, F.mse_loss(self.classify(x_fake), self.eye[codes]))
        realness = self.discriminate(x_fake, codes)
        self.step(self.d_opt, F.mse_loss(realness, draws["fake_noise"]))
        # 6. Per class, smallest first: G through a frozen M, then through a
        # frozen D.
        mark = self.clock()
        self.phase_seconds["M and D"] += mark - start
        summed, pending = [], []
        for slot in self.update_order:
            code = int(self.minority[slot])
            igu = self.igus[slot]
            m_params, m_opt, d_params, d_opt = self.composites[slot]
            labels = torch.full((self.samples,), code)
            t = self.ctmu(draws["z"][slot, 0], labels)
            opposite = 1.0 - self.eye[labels]
            loss = F.mse_loss(self.classify(igu(t)), opposite)
            losses[f"G{code} via M"] = loss.item()
            self.g_step(m_opt, loss, m_params, summed, pending)
            t = self.ctmu(draws["z"][slot, 1], labels)
            realness = self.discriminate(igu(t), labels)
            loss = F.mse_loss(realness, torch.ones(self.samples))
            losses[f"G{code} via D"] = loss.item()
            self.g_step(d_opt, loss, d_params, summed, pending)
        if self.summed:
            self.step(self.g_opt, torch.stack(summed).sum(), inputs=self.g_params)
        for optimizer, params, grads in pending:
            # Adam's move does not depend on the parameters' values, so taking
            # the steps in turn with the gradients computed up front is the same
            # as taking them all from the start of step 6.
            for param, grad in zip(params, grads, strict=True):
                param.grad = grad
            self.step(optimizer, None)
        self.phase_seconds["G"] += self.clock() - mark
        return losses


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
