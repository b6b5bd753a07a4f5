"""Named random streams, drawn a block of replications at a time.

Every random decision of the model has a stable *name*, a tuple such as
``("slip", "Kenya", 2)`` or ``("renewal", "UNSC 2699", 0)``. Replication ``r``
of a run with seed ``s`` takes its value for that name from the stream seeded by::

    SeedSequence(s, spawn_key=(r // BLOCK, *sha256(name)[:16] as four uint32))

at position ``r % BLOCK``. So a value depends only on (seed, replication, name,
distribution): not on how many draws came before it, not on which worker ran the
replication, not on what other contingents or decisions a scenario has. Two
scenarios run with the same seed share common random numbers decision by decision.

Making a generator per decision per replication would be slow; one generator per
decision per block of :data:`BLOCK` replications is cheap. ``BLOCK`` is a constant of
the package: changing it changes every result.

A *correlated* draw (a scenario's ``[correlation]``) mixes a decision's own uniform with a
mission-wide factor's, through their normal scores; with a share of 0 it is not used at all.
"""

from __future__ import annotations

import hashlib

import numpy as np

from .dists import Dist, normal_cdf, normal_quantiles

#: Replications that share one generator per decision. Part of the reproducibility contract.
BLOCK = 64


def name_key(name: tuple) -> tuple[int, int, int, int]:
    """Four 32-bit words of the SHA-256 of a decision name (never Python's ``hash``)."""
    text = "\x1f".join(str(part) for part in name).encode("utf-8")
    digest = hashlib.sha256(text).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))


class Streams:
    """The random streams of one block of :data:`BLOCK` replications.

    ``values(name, dist)[i]`` is replication ``block * BLOCK + i``'s draw of ``dist``
    for decision ``name``. Results are cached by name (a name is one decision, so it
    always comes with the same distribution), so asking twice gives the same list.
    """

    def __init__(self, seed: int, block: int):
        self.seed = seed
        self.block = block
        self._cache: dict[tuple, list] = {}

    def generator(self, name: tuple) -> np.random.Generator:
        """A fresh generator for ``name`` in this block."""
        sequence = np.random.SeedSequence(self.seed, spawn_key=(self.block, *name_key(name)))
        return np.random.Generator(np.random.PCG64(sequence))

    def values(self, name: tuple, dist: Dist) -> list[float]:
        """The block's draws of ``dist`` for decision ``name``, as Python floats."""
        cached = self._cache.get(name)
        if cached is None:
            if dist.is_fixed:
                cached = [dist.params[0]] * BLOCK
            else:
                cached = dist.sample(self.generator(name), BLOCK).tolist()
            self._cache[name] = cached
        return cached

    def correlated(self, name: tuple, dist: Dist, factor: tuple, rho: float) -> list[float]:
        """The block's draws of ``dist`` for ``name`` at the correlated uniforms :meth:`correlated_uniforms` gives."""
        key = ("correlated", name)
        cached = self._cache.get(key)
        if cached is None:
            cached = dist.quantile(self.correlated_uniforms(name, factor, rho)).tolist()
            self._cache[key] = cached
        return cached

    def correlated_uniforms(self, name: tuple, factor: tuple, rho: float) -> np.ndarray:
        """The block's ``u = Phi(sqrt(rho) z0 + sqrt(1 - rho) z)`` for ``name``.

        ``z`` is the normal score of the decision's own uniform (the one a plain draw inverts),
        ``z0`` that of the uniform of the mission-wide stream ``factor``, shared by every
        decision that names it (docs/design.md section 3, ``[correlation]``).
        """
        key = ("correlated uniforms", name)
        cached = self._cache.get(key)
        if cached is None:
            own = normal_quantiles(self.generator(name).random(BLOCK))
            common = normal_quantiles(np.array([row[0] for row in self.uniforms(factor)]))
            cached = normal_cdf(np.sqrt(rho) * common + np.sqrt(1 - rho) * own)
            self._cache[key] = cached
        return cached

    def own(self, name: tuple, dist: Dist, index: int, factor: tuple | None = None, rho: float = 0.0) -> float:
        """Replication ``index``'s draw of a distribution of its own parameters (``--vary``): the inverse transform
        of the uniform a plain draw for ``name`` inverts (correlated through ``factor`` when given)."""
        if factor is not None:
            u = self.correlated_uniforms(name, factor, rho)
        else:
            key = ("own", name)
            u = self._cache.get(key)
            if u is None:
                u = self._cache[key] = self.generator(name).random(BLOCK)
        return dist.value_at(float(u[index]))

    def uniforms(self, name: tuple, count: int = 1) -> list[list[float]]:
        """``count`` uniform numbers in [0, 1) per replication of the block for ``name``."""
        cached = self._cache.get(name)
        if cached is None:
            cached = self.generator(name).random((BLOCK, count)).tolist()
            self._cache[name] = cached
        return cached
