"""Settings: split by when they apply, validated at construction, each with its provenance in the docs."""

from __future__ import annotations

import math
from dataclasses import fields
from pathlib import Path

import pytest

from modesnn.cli import main
from modesnn.errors import SettingsError
from modesnn.model import ComposeSettings, LearnSettings, ModelConfig, NetworkShape
from modesnn.model.settings import SOURCES, provenance_markdown, provenance_rows


@pytest.mark.parametrize("build, field", [
    (lambda: NetworkShape(dt=-1.0), "NetworkShape.dt"),
    (lambda: NetworkShape(slot_ms=0.0), "NetworkShape.slot_ms"),
    (lambda: NetworkShape(dt=math.nan), "NetworkShape.dt"),
    (lambda: NetworkShape(voice_names=("s", "a", "t")), "NetworkShape.voice_names"),
    (lambda: NetworkShape(modes=("major", "aeolian-ish")), "NetworkShape.modes"),
    (lambda: LearnSettings(creation_threshold=0), "LearnSettings.creation_threshold"),
    (lambda: LearnSettings(tau_stdp=math.inf), "LearnSettings.tau_stdp"),
    (lambda: ComposeSettings(noise_sigma=-1.0), "ComposeSettings.noise_sigma"),
    (lambda: ComposeSettings(length=1), "ComposeSettings.length"),
    (lambda: ComposeSettings(meter="4/0"), "ComposeSettings.meter"),
    (lambda: ComposeSettings(seed_notes=(60, 200, 55, 40)), "ComposeSettings.seed_notes"),
    (lambda: ComposeSettings(end="sometime"), "ComposeSettings.end"),
    (lambda: ModelConfig(lanes=0), "LearnSettings.lanes"),
    (lambda: ModelConfig(bogus=1), "bogus"),
])
def test_bad_settings_are_rejected_naming_the_field(build, field):
    with pytest.raises(SettingsError, match=field.replace(".", r"\.")) as info:
        build()
    assert "\n" not in str(info.value)


def test_model_config_reads_both_parts_and_round_trips_through_json():
    config = ModelConfig(lanes=3, voices=3, creation_threshold=2)
    assert (config.lanes, config.voices, config.creation_threshold) == (3, 3, 2)
    assert config.voice_names == ("voice1", "voice2", "voice3")
    assert ModelConfig.from_json(config.to_json()) == config
    with pytest.raises(AttributeError):
        config.bias_gain  # a composition setting: per request, not part of a model  # noqa: B018


def test_every_setting_has_a_source_and_a_reason_and_the_docs_list_them_all():
    rows = provenance_rows()
    assert len(rows) == sum(len(fields(c)) for c in (NetworkShape, LearnSettings, ComposeSettings))
    assert all(source in SOURCES and len(why) > 10 for _, _, _, source, why in rows)
    notes = (Path(__file__).resolve().parents[2] / "docs" / "model-notes.md").read_text()
    assert provenance_markdown() in notes, "docs/model-notes.md: paste `python -m modesnn.model.settings`"


def test_the_cli_rejects_bad_settings_before_loading_a_model(tmp_path, capsys):
    code = main(["compose", "--key", "C major", "--length", "1", "--model", str(tmp_path / "none.modesnn"),
                 "-o", str(tmp_path / "x.mid")])
    err = capsys.readouterr().err
    assert code == 1 and "--length: must be at least 2" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.mid").exists()
