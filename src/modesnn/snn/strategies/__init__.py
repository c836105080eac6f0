"""Window strategies: how a simulation runs one window.  Each gives the same spikes, weights, traces and
state (tests compare every one with stepwise); they differ in speed and in when they apply.

- "stepwise": deliveries, STDP and creation a step at a time through the queue (always applies);
- "fixed": no plasticity or creation: a local synapse table instead of the queue;
- "clamped": a clamped window without noise: the synaptic side computed once after the neurons ran;
- "prefetched": every delay at least the window: its deliveries taken from the queue at once;
- "auto": the first of fixed, clamped, prefetched that applies, else stepwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from modesnn.snn.strategies import clamped, fixed, prefetched, stepwise

if TYPE_CHECKING:
    from modesnn.snn.simulation import Simulation, WindowInput

STRATEGIES = {"fixed": fixed, "clamped": clamped, "prefetched": prefetched}
"""The strategies that apply to some windows only, in the order "auto" tries them."""

NAMES = ("auto", "stepwise", *STRATEGIES)


def choose(name: str, sim: Simulation, inp: WindowInput) -> Callable:
    """The window function of strategy `name` for this window (ValueError if it does not apply)."""
    if name == "stepwise":
        return stepwise.window
    if name == "auto":
        for module in STRATEGIES.values():
            if module.applicable(sim, inp) is None:
                return module.window
        return stepwise.window
    module = STRATEGIES.get(name)
    if module is None:
        raise ValueError(f"strategy: must be one of {', '.join(NAMES)}, got {name!r}")
    why = module.applicable(sim, inp)
    if why is not None:
        raise ValueError(f"strategy: {name!r} does not apply to this window ({why})")
    return module.window
