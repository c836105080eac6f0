"""Research at scale: parameter sweeps over settings and corpora (local processes or a Dask cluster)."""

from modesnn.research.spec import Corpus, Point, SpecError, SweepSpec, config_for, load_spec, setting_names
from modesnn.research.sweep import SweepResult, run_sweep

__all__ = ["Corpus", "Point", "SpecError", "SweepResult", "SweepSpec", "config_for", "load_spec", "run_sweep",
           "setting_names"]
