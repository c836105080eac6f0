"""Per-lane neuron state, stored only where it differs from the initial state.

A network with many lanes (pieces learned at once) and a large grid touches few of its neurons per lane, so
the state (the neuron model's fields, synaptic current, post-synaptic STDP trace and the step of its last
update) is kept for the flat ids (lane * n + neuron) touched since the last reset, in arrays sorted by flat
id.  Untouched neurons are at the initial state: the model's `initial`, no current, no trace.  When every
flat id is present the arrays are simply indexed by flat id (`dense`).
"""

from __future__ import annotations

import numpy as np

from modesnn.snn.neurons import NeuronModel

NO_STEP = -(10**9)
"""`ty` of a neuron whose trace was never updated."""

SYNAPTIC_FIELDS = ("i_syn", "y", "ty")
"""The engine's own per-neuron fields, after the model's: synaptic current, post-synaptic trace, its step."""


class LaneState:
    """State of the touched neurons of every lane, sorted by flat id.  `model`: the neuron model, `params`:
    its per-neuron parameter columns (the model's initial state is computed from them once)."""

    def __init__(self, model: NeuronModel, params: tuple, lanes: int) -> None:
        self.model = model
        self.model_fields: tuple[str, ...] = model.State._fields
        self.fields = (*self.model_fields, *SYNAPTIC_FIELDS)
        self.lanes = lanes
        self._set_params(params)
        self.clear()

    def _set_params(self, params: tuple) -> None:
        self._n = int(np.size(params[0])) if len(params) else 0
        self._init = self.model.initial(params)  # per neuron id

    @property
    def n(self) -> int:
        return self._n

    def clear(self) -> None:
        """Every neuron back to its initial state."""
        self.ids = np.zeros(0, np.int64)
        for f in self.fields:
            setattr(self, f, np.zeros(0, np.int64 if f == "ty" else np.float64))

    def initial_model(self, flat: np.ndarray) -> dict[str, np.ndarray]:
        """The model's initial state of flat ids."""
        ids = flat % self._n if self._n else flat
        return {f: col[ids] for f, col in zip(self.model_fields, self._init, strict=True)}

    @property
    def dense(self) -> bool:
        """Every flat id is present: the arrays are indexed by flat id."""
        return self.ids.size == self.lanes * self.n

    def initial(self, flat: np.ndarray) -> dict[str, np.ndarray]:
        size = flat.size
        out = self.initial_model(flat) if self._n else {f: np.zeros(size) for f in self.model_fields}
        out.update(i_syn=np.zeros(size), y=np.zeros(size), ty=np.full(size, NO_STEP, np.int64))
        return out

    def _find(self, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions of flat ids in the arrays, and whether each is present."""
        if self.dense:
            return flat, np.ones(flat.size, bool)
        pos = np.searchsorted(self.ids, flat)
        found = pos < self.ids.size
        found[found] = self.ids[pos[found]] == flat[found]
        return pos, found

    def get(self, flat: np.ndarray, *fields: str) -> list[np.ndarray]:
        """Values of the given fields for flat ids (initial values where untouched)."""
        if self.ids.size == self.lanes * self.n:  # dense: indexed by flat id
            return [getattr(self, f)[flat] for f in fields]
        flat = np.asarray(flat, np.int64)
        pos, found = self._find(flat)
        if found.all():
            return [getattr(self, f)[pos] for f in fields]
        init = self.initial(flat[~found])
        out = []
        for f in fields:
            arr = np.empty(flat.size, getattr(self, f).dtype)
            arr[found] = getattr(self, f)[pos[found]]
            arr[~found] = init[f]
            out.append(arr)
        return out

    def set(self, flat: np.ndarray, **values: np.ndarray) -> None:
        """Write fields for flat ids (unique), adding the untouched ones (their other fields initial)."""
        if self.ids.size == self.lanes * self.n:  # dense: indexed by flat id
            for f, val in values.items():
                getattr(self, f)[flat] = val
            return
        flat = np.asarray(flat, np.int64)
        if flat.size == 0:
            return
        pos, found = self._find(flat)
        if not found.all():
            self._insert(np.unique(flat[~found]))
            pos = np.searchsorted(self.ids, flat)
        for f, val in values.items():
            getattr(self, f)[pos] = val

    def _insert(self, new: np.ndarray) -> None:
        """Add untouched flat ids (sorted, unique, absent) at their initial state.  (Every field is laid out
        anew with one mask of the old places, cheaper than np.insert field by field.)"""
        to = np.searchsorted(self.ids, new) + np.arange(new.size)  # their places in the merged arrays
        old = np.ones(self.ids.size + new.size, bool)
        old[to] = False
        init = self.initial(new)
        init["ids"] = new
        for f in ("ids", *self.fields):
            have = getattr(self, f)
            merged = np.empty(old.size, have.dtype)
            merged[to] = init[f]
            merged[old] = have
            setattr(self, f, merged)

    def relabel(self, old_n: int, new_n: int, params: tuple) -> None:
        """Populations were appended (n grew from old_n to new_n): flat ids change, their order does not."""
        self._set_params(params)
        if self.ids.size:
            self.ids = (self.ids // old_n) * new_n + self.ids % old_n

    def full(self, field: str) -> np.ndarray:
        """A dense copy of one field over every flat id (for inspection and tests)."""
        size = self.lanes * self.n
        if self.dense:
            return getattr(self, field).copy()
        out = self.initial(np.arange(size))[field]
        out[self.ids] = getattr(self, field)
        return out

    @property
    def nbytes(self) -> int:
        return int(self.ids.nbytes + sum(getattr(self, f).nbytes for f in self.fields))
