"""Named random streams (sim.streams): a draw depends on (seed, replication, name) only."""

from __future__ import annotations

from sim.dists import Dist
from sim.streams import BLOCK, Streams, name_key

UNIFORM = Dist("uniform", (0.0, 1.0))


def test_the_block_is_part_of_the_reproducibility_contract():
    assert BLOCK == 64  # changing it changes every result


def test_a_name_is_keyed_by_its_sha256_not_by_python_hash():
    assert name_key(("slip", "Kenya", 2)) == (2017020926, 3958016613, 1969226137, 1625812321)
    assert name_key(("slip", "Kenya", 2)) != name_key(("slip", "Kenya", 3))
    assert name_key(("a", "bc")) != name_key(("ab", "c"))  # parts are separated


def test_draws_depend_on_seed_block_and_name_only():
    a, b = Streams(7, 0), Streams(7, 0)
    b.values(("other",), UNIFORM)  # other decisions drawn first change nothing
    assert a.values(("slip", "Kenya", 0), UNIFORM) == b.values(("slip", "Kenya", 0), UNIFORM)
    assert len(a.values(("slip", "Kenya", 0), UNIFORM)) == BLOCK
    assert a.values(("slip", "Kenya", 0), UNIFORM) != a.values(("slip", "Benin", 0), UNIFORM)
    assert a.values(("slip", "Kenya", 0), UNIFORM) != Streams(7, 1).values(("slip", "Kenya", 0), UNIFORM)
    assert a.values(("slip", "Kenya", 0), UNIFORM) != Streams(8, 0).values(("slip", "Kenya", 0), UNIFORM)


def test_values_are_cached_by_name_and_fixed_values_draw_nothing():
    streams = Streams(1, 0)
    first = streams.values(("x",), UNIFORM)
    assert streams.values(("x",), UNIFORM) is first
    assert streams.values(("f",), Dist.fixed(3)) == [3.0] * BLOCK
    uniforms = streams.uniforms(("u",), count=3)
    assert len(uniforms) == BLOCK and all(len(row) == 3 and all(0 <= u < 1 for u in row) for row in uniforms)
