"""The key prior of a composition: what the requested key group drives and which key -> pitch synapses it
sends to the sequence memory's candidates.

The weights come from the *learned* SMS -> mode profile carried to the requested tonic by the mode -> key
hierarchy (so a key never heard in training works the same way); `prior="fixed"` is the release's flat prior.
A `KeyPrior` is immutable and built per key: a session that changes key builds a new one.
"""

from __future__ import annotations

import numpy as np

from modesnn.model.network import ModeSNN
from modesnn.model.settings import ComposeSettings
from modesnn.theory import MODES, Key


def _frozen(a: np.ndarray) -> np.ndarray:
    """a, read-only (constants handed to the engine every slot must not be changed by it)."""
    a.flags.writeable = False
    return a


def bias_weights(model: ModeSNN, mode: str, settings: ComposeSettings) -> np.ndarray:
    """Key -> pitch weight by scale degree.  Learned: the learned mode profile scaled so its largest is
    bias_gain and compressed by bias_exponent (the tonic pulls harder without drowning the other scale tones).
    Degrees outside the scale are inhibited by `nonscale_inhibition` (the hierarchy's inhibitory side) scaled by
    how rarely they were heard (1 - profile / max), so learned chromatic tones (the natural seventh of Bach's
    minor) stay reachable while never-heard ones are held back.  Fixed: the release's flat prior over scale
    tones."""
    s = settings
    scale = MODES[mode].mask
    if s.prior == "fixed":
        return np.where(scale, s.fixed_prior_weight, 0.0)
    prof = model.mode_profile(mode)
    learned = (prof / prof.max()) ** s.bias_exponent if prof.max() > 0 else scale.astype(float)
    return s.bias_gain * learned - np.where(scale, 0.0, s.nonscale_inhibition * (1.0 - np.minimum(learned, 1.0)))


class KeyPrior:
    """Everything a composition derives from its key: the drive of every slot (key group and mode group), the
    key -> pitch weight and source neuron of every MIDI pitch, and the key neurons active at a slot's start."""

    def __init__(self, model: ModeSNN, key: Key, settings: ComposeSettings) -> None:
        c, lay = model.config, model.layout
        self.key = key
        self.key_ids = lay.key_ids(key.tonic, key.mode)
        in_scale = np.array([key.in_scale(pc) for pc in range(12)])
        self.in_scale = in_scale
        # Key -> pitch synapses by MIDI pitch: weight, and source (the key neuron of the pitch class for a scale
        # tone, the tonic's for any other pitch).
        pitches = np.arange(128)
        degrees = (pitches - key.tonic) % 12
        self.bias_by_pitch = bias_weights(model, key.mode, settings)[degrees]
        self.source_by_pitch = np.where(MODES[key.mode].mask[degrees], self.key_ids[pitches % 12],
                                        self.key_ids[key.tonic])
        self.active_keys = _frozen(self.key_ids[in_scale])
        ids = np.concatenate([self.key_ids, lay.mode_ids(key.mode)]).astype(np.int64)
        cur = np.concatenate([np.where(in_scale, c.i_key_scale, c.i_key_nonscale), np.full(12, c.i_mode)])
        self.drive = (_frozen(ids), _frozen(cur.astype(np.float64)))
