"""Music out: each format written by the real library and read back by an independent reader."""

from __future__ import annotations

import math
import os
import shutil
import wave
from pathlib import Path

import mido
import numpy as np
import pytest

from modesnn import export
from modesnn.errors import ExportError
from modesnn.io.outputs import svg as svg_out
from modesnn.io.outputs import wav as wav_out
from modesnn.music import Piece, Voice, voice_from_durations
from modesnn.theory import Key

# G minor, 4/4, three bars in every voice: dotted notes, rests, notes across the barline at beat 4
# (soprano B-4 and bass D3 from offset 3 to 5), the leading tone F#, E natural and E flat.
VOICES = {
    "soprano": ([67, 69, None, 70, 72, 74, 66, 67], [1.5, 0.5, 1, 2, 1, 1, 1, 4]),
    "alto": ([62, 62, 63, 62, 60, 62], [2, 2, 1, 3, 2, 2]),
    "tenor": ([58, 57, 55, None, 60, 64, 62, 58], [1, 1, 2, 1, 1, 1, 1, 4]),
    "bass": ([43, 50, 48, 50, 43], [3, 2, 3, 1, 3]),
}
LENGTH = 12.0  # quarter lengths


def make_piece(key: Key | None = None, **meta: object) -> Piece:
    voices = tuple(voice_from_durations(name, p, d) for name, (p, d) in VOICES.items())
    return Piece("Test chorale", key or Key(7, "minor", "G"), voices, meter="4/4", meta=dict(meta))


@pytest.fixture(scope="module")
def piece() -> Piece:
    return make_piece()


def merged(events: list[tuple[int | None, float]]) -> list[tuple[int | None, float]]:
    """Join consecutive rests (a rest across a barline comes back as two)."""
    out: list[tuple[int | None, float]] = []
    for p, d in events:
        if p is None and out and out[-1][0] is None:
            out[-1] = (None, out[-1][1] + d)
        else:
            out.append((p, d))
    return out


def expected(voice: Voice) -> list[tuple[int | None, float]]:
    return merged([(n.pitch, n.duration) for n in voice.notes])


def has_fluidsynth() -> bool:
    if shutil.which("fluidsynth") is None:
        return False
    try:
        export.find_soundfont()
    except export.SoundfontNotFound:
        return False
    return True


# ------------------------------------------------------------------------------------------------- MIDI


def test_midi_reads_back_with_mido(piece: Piece, tmp_path: Path) -> None:
    out = export.write(piece, tmp_path / "p.mid")
    assert out == tmp_path / "p.mid"
    mid = mido.MidiFile(out)
    assert mid.type == 1 and mid.ticks_per_beat == 480
    assert len(mid.tracks) == 5
    conductor = {m.type: m for m in mid.tracks[0]}
    assert conductor["set_tempo"].tempo == mido.bpm2tempo(80)
    ts = conductor["time_signature"]
    assert (ts.numerator, ts.denominator) == (4, 4)
    assert conductor["key_signature"].key == "Gm"
    channels = []
    for track, voice in zip(mid.tracks[1:], piece.voices, strict=True):
        assert track.name == voice.name
        now, ons, offs, chans = 0, [], [], set()
        for msg in track:
            now += msg.time
            if msg.type == "program_change":
                assert msg.program == 52
            if msg.type == "note_on" and msg.velocity > 0:
                ons.append((now, msg.note))
                chans.add(msg.channel)
            elif msg.type == "note_off" or (msg.type == "note_on" and msg.velocity == 0):
                offs.append((now, msg.note))
        sounding = [n for n in voice.notes if n.pitch is not None]
        assert ons == [(round(n.onset * 480), n.pitch) for n in sounding]
        assert offs == [(round((n.onset + n.duration) * 480), n.pitch) for n in sounding]
        assert now == LENGTH * 480  # every track ends at the end of the piece, rests included
        assert len(chans) == 1
        channels.append(chans.pop())
    assert len(set(channels)) == 4 and 9 not in channels
    assert mid.length == pytest.approx(LENGTH * 60 / 80)


def test_midi_ticks_stay_aligned_with_triplets(tmp_path: Path) -> None:
    # 30 triplet eighths against 10 quarters: accumulated rounded durations would drift; absolute ones do not.
    top = voice_from_durations("top", [72] * 30, [1 / 3] * 30)
    low = voice_from_durations("low", [60] * 10, [1.0] * 10)
    mid = export.to_midi(Piece("t", Key(0), (top, low), meter="2/4"))
    ends = []
    for track in mid.tracks[1:]:
        ends.append(sum(m.time for m in track))
        onsets, now = [], 0
        for m in track:
            now += m.time
            if m.type == "note_on":
                onsets.append(now)
        assert onsets[-1] in (9 * 480 + 320, 9 * 480)
    assert ends == [4800, 4800]


def test_tempo_from_argument_meta_and_default(tmp_path: Path) -> None:
    def tempo(mid: mido.MidiFile) -> float:
        return mido.tempo2bpm(next(m.tempo for m in mid.tracks[0] if m.type == "set_tempo"))

    assert tempo(export.to_midi(make_piece())) == pytest.approx(80)
    assert tempo(export.to_midi(make_piece(tempo_bpm=100))) == pytest.approx(100)
    assert tempo(export.to_midi(make_piece(tempo_bpm=100), tempo_bpm=60)) == pytest.approx(60)
    with pytest.raises(ExportError, match="tempo"):
        export.to_midi(make_piece(), tempo_bpm=0)


def test_mode_other_than_major_minor_uses_relative_signature() -> None:
    mid = export.to_midi(make_piece(Key(2, "dorian", "D")))
    assert next(m.key for m in mid.tracks[0] if m.type == "key_signature") == "C"
    mid = export.to_midi(make_piece(Key(3, "major", "D#")))  # nine sharps: respelled E- major
    assert next(m.key for m in mid.tracks[0] if m.type == "key_signature") == "Eb"


def test_program_per_voice() -> None:
    mid = export.to_midi(make_piece(), program=[52, 53, 0, 32])
    got = [next(m.program for m in t if m.type == "program_change") for t in mid.tracks[1:]]
    assert got == [52, 53, 0, 32]
    with pytest.raises(ExportError, match="program"):
        export.to_midi(make_piece(), program=[52, 53])


# --------------------------------------------------------------------------------------------- MusicXML


def test_musicxml_reads_back_with_music21(piece: Piece, tmp_path: Path) -> None:
    from music21 import clef, converter

    out = export.write(piece, tmp_path / "p.musicxml")
    score = converter.parse(str(out))
    assert score.metadata.bestTitle == "Test chorale"
    parts = list(score.parts)
    assert [p.partName for p in parts] == ["Soprano", "Alto", "Tenor", "Bass"]
    clefs = [type(p.recurse().getElementsByClass(clef.Clef).first()) for p in parts]
    assert clefs == [clef.TrebleClef, clef.TrebleClef, clef.Treble8vbClef, clef.BassClef]
    for part, voice in zip(parts, piece.voices, strict=True):
        ks = part.recurse().getElementsByClass("KeySignature").first()
        assert ks.sharps == -2
        ts = part.recurse().getElementsByClass("TimeSignature").first()
        assert ts.ratioString == "4/4"
        got = [(n.pitch.midi if n.isNote else None, float(n.quarterLength))
               for n in part.stripTies().recurse().notesAndRests]
        assert merged(got) == expected(voice)
        assert len(part.getElementsByClass("Measure")) == 3
        assert part.getElementsByClass("Measure").last().rightBarline.type == "final"
    # the notes across the barline come back as tied pairs
    soprano_ties = [n.tie.type for n in parts[0].recurse().notes if n.tie is not None]
    assert soprano_ties[:2] == ["start", "stop"]


def test_musicxml_spells_for_the_key(piece: Piece) -> None:
    score = export.to_score(piece)
    names = {n.pitch.name for n in score.recurse().notes}
    assert {"B-", "E-", "F#", "E"} <= names
    assert not names & {"A#", "D#", "G-"}
    e_natural = next(n for n in score.parts[2].recurse().notes if n.pitch.name == "E")
    assert e_natural.pitch.accidental is not None and e_natural.pitch.accidental.displayStatus
    b_flat = next(n for n in score.parts[0].recurse().notes if n.pitch.name == "B-")
    assert not b_flat.pitch.accidental.displayStatus  # in the key signature: no accidental printed


def test_musicxml_mode_key_and_tempo(tmp_path: Path) -> None:
    from music21 import converter

    out = export.write(make_piece(Key(2, "dorian", "D")), tmp_path / "d.xml", tempo_bpm=96)
    text = out.read_text()
    assert "<mode>dorian</mode>" in text and "<fifths>0</fifths>" in text
    assert '<sound tempo="96"' in text
    assert "encoding-date" not in text
    assert len(converter.parse(str(out)).parts) == 4


# -------------------------------------------------------------------------------------------------- SVG


def test_svg_is_one_document(piece: Piece, tmp_path: Path) -> None:
    out = export.write(piece, tmp_path / "p.svg")
    text = out.read_text()
    assert text.lstrip().startswith(("<svg", "<?xml"))
    assert text.rstrip().endswith("</svg>")
    sounding = sum(len(v.pitches) for v in piece.voices)
    assert text.count('class="note"') == sounding + 2  # the two notes across the barline are drawn twice
    assert "Test chorale" in text


def test_piece_longer_than_a_page_is_still_one_svg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import xml.etree.ElementTree as ET

    # A page far shorter than the default one, so 16 bars need several pages stacked into one document.
    monkeypatch.setattr(svg_out, "SVG_OPTIONS", {**svg_out.SVG_OPTIONS, "pageHeight": 1500})
    n = 64
    voices = tuple(voice_from_durations(name, [p + i % 5 for i in range(n)], [1.0] * n)
                   for name, p in zip(("soprano", "alto", "tenor", "bass"), (72, 67, 60, 48), strict=True))
    text = export.write(Piece("long", Key(0), voices), tmp_path / "l.svg").read_text()
    root = ET.fromstring(text.encode())
    pages = [e for e in root if e.tag.endswith("svg")]
    assert len(pages) > 1
    assert [float(p.get("y")) for p in pages] == sorted(float(p.get("y")) for p in pages)
    assert text.count('class="note"') == 4 * n


# ------------------------------------------------------------------------------------------ determinism


@pytest.mark.parametrize("ext", [".mid", ".musicxml", ".svg"])
def test_same_piece_same_bytes(piece: Piece, tmp_path: Path, ext: str) -> None:
    a = export.write(piece, tmp_path / f"a{ext}").read_bytes()
    b = export.write(make_piece(), tmp_path / f"b{ext}").read_bytes()
    assert a == b and len(a) > 100


# -------------------------------------------------------------------------------------------------- WAV


@pytest.mark.skipif(not has_fluidsynth(), reason="fluidsynth or a soundfont is not installed")
def test_wav_is_valid_and_audible(piece: Piece, tmp_path: Path) -> None:
    out = export.write(piece, tmp_path / "p.wav", tempo_bpm=160)  # 4.5 s of music
    with wave.open(str(out), "rb") as w:
        assert w.getnchannels() == 2 and w.getframerate() == 44100 and w.getsampwidth() == 2
        frames = w.getnframes()
        data = np.frombuffer(w.readframes(frames), dtype=np.int16).astype(float)
    seconds = frames / 44100
    music = LENGTH * 60 / 160
    assert music - 0.05 <= seconds <= music + 5  # fluidsynth renders the release tail after the last note
    rms = math.sqrt(float((data**2).mean())) / 32768
    assert rms > 0.005
    assert [p.name for p in tmp_path.iterdir()] == ["p.wav"]


@pytest.mark.skipif(shutil.which("fluidsynth") is None, reason="fluidsynth is not installed")
def test_wav_with_a_file_that_is_not_a_soundfont(piece: Piece, tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.sf2"
    bogus.write_text("not a soundfont")
    with pytest.raises(ExportError, match="soundfont"):
        export.write(piece, tmp_path / "p.wav", soundfont=str(bogus))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bogus.sf2"]


def test_write_all_goes_on_without_fluidsynth(piece: Piece, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    paths = [tmp_path / "p.wav", tmp_path / "p.mid", tmp_path / "p.musicxml"]
    results = export.write_all(piece, paths)
    assert [r.path for r in results] == paths
    assert [r.ok for r in results] == [False, True, True]
    err = results[0].error
    assert isinstance(err, export.FluidsynthNotFound) and isinstance(err, export.AudioUnavailable)
    assert str(err) == ("fluidsynth not found: install it with "
                        "`apt-get install --no-install-recommends fluidsynth`")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "p.mid", "p.musicxml"]


def test_soundfont_discovery_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    given, env, found = (tmp_path / n for n in ("given.sf2", "env.sf2", "found.sf3"))
    for p in (given, env, found):
        p.write_bytes(b"RIFF")
    monkeypatch.setattr(wav_out, "SOUNDFONT_CANDIDATES", ())
    monkeypatch.setattr(wav_out, "SOUNDFONT_DIRS", (str(tmp_path),))
    monkeypatch.setenv("MODESNN_SOUNDFONT", str(env))
    assert export.find_soundfont(str(given)) == given
    assert export.find_soundfont() == env
    monkeypatch.delenv("MODESNN_SOUNDFONT")
    assert export.find_soundfont() == tmp_path / "env.sf2"  # sorted: env.sf2 < found.sf3 < given.sf2
    with pytest.raises(export.SoundfontNotFound, match="missing.sf2"):
        export.find_soundfont(str(tmp_path / "missing.sf2"))
    monkeypatch.setattr(wav_out, "SOUNDFONT_DIRS", (str(tmp_path / "nowhere"),))
    with pytest.raises(export.SoundfontNotFound, match="MODESNN_SOUNDFONT"):
        export.find_soundfont()


# -------------------------------------------------------------------------------------- failure handling


def test_unknown_extension(piece: Piece, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"\.mid.*\.musicxml.*\.wav.*\.svg"):
        export.write(piece, tmp_path / "p.pdf")
    with pytest.raises(ExportError, match="unknown extension"):
        export.write_all(piece, [tmp_path / "p.mid", tmp_path / "p"])
    assert list(tmp_path.iterdir()) == []  # nothing written before the bad path was noticed


@pytest.mark.parametrize("ext", [".mid", ".musicxml", ".svg", ".wav"])
def test_missing_folder(piece: Piece, tmp_path: Path, ext: str) -> None:
    target = tmp_path / "no" / f"p{ext}"
    with pytest.raises(ExportError, match="does not exist") as info:
        export.write(piece, target)
    assert str(target) in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_target_is_a_folder(piece: Piece, tmp_path: Path) -> None:
    folder = tmp_path / "p.mid"
    folder.mkdir()
    with pytest.raises(ExportError, match="is a folder"):
        export.write(piece, folder)
    assert folder.is_dir() and list(folder.iterdir()) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_folder(piece: Piece, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(ExportError, match="cannot write"):
            export.write(piece, locked / "p.mid")
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_failure_at_the_last_step_leaves_nothing(piece: Piece, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "p.mid").write_bytes(b"old")

    def fail(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(ExportError, match="No space left"):
        export.write(piece, tmp_path / "p.mid")
    assert [p.name for p in tmp_path.iterdir()] == ["p.mid"]  # no temp file left ...
    assert (tmp_path / "p.mid").read_bytes() == b"old"  # ... and the old file untouched


def test_written_file_has_normal_permissions(piece: Piece, tmp_path: Path) -> None:
    mode = export.write(piece, tmp_path / "p.mid").stat().st_mode & 0o777
    from modesnn.io.atomic import file_mode

    assert mode == file_mode()


def test_overlapping_notes_are_refused(tmp_path: Path) -> None:
    from modesnn.music import Note

    bad = Voice("soprano", (Note(60, 2.0, 0.0), Note(62, 1.0, 1.0)))
    with pytest.raises(ExportError, match="before the previous note ends"):
        export.write(Piece("bad", Key(0), (bad,)), tmp_path / "p.mid")
    assert list(tmp_path.iterdir()) == []


def test_gaps_between_notes_become_rests(tmp_path: Path) -> None:
    from modesnn.music import Note

    v = Voice("soprano", (Note(60, 1.0, 0.0), Note(62, 1.0, 2.0), Note(64, 1.0, 3.0)))
    score = export.to_score(Piece("gap", Key(0), (v,)))
    got = [(n.pitch.midi if n.isNote else None, float(n.quarterLength))
           for n in score.parts[0].recurse().notesAndRests]
    assert got == [(60, 1.0), (None, 1.0), (62, 1.0), (64, 1.0)]


def test_svg_can_be_engraved_from_another_thread(piece: Piece) -> None:
    """verovio keeps its resource path per thread: a web server's worker thread must engrave as the main one."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(export.svg_text, piece).result() == export.svg_text(piece)
