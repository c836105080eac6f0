"""Music in: score files (MusicXML, MXL, MIDI, ABC) or the Bach chorales -> pieces with key labels, cached.

`load_corpus(["bach"])` or `load_corpus(["path/to/folder"])` returns a `CorpusResult`: the pieces and the
files skipped with a reason.  Only `reader` touches music21; parsed results are cached by file content
(see `cache`) because parsing is slow (about 60 ms a chorale) and learning re-reads the corpus often.
"""

from modesnn.corpus.cache import cache_dir
from modesnn.corpus.loader import (
    BACH,
    MUSIC_EXTENSIONS,
    CorpusResult,
    SourceFile,
    bach_files,
    load_corpus,
    resolve_sources,
)
from modesnn.corpus.reader import KEY_FROM, READER_VERSION, filename_key_label

__all__ = [
    "BACH",
    "KEY_FROM",
    "MUSIC_EXTENSIONS",
    "READER_VERSION",
    "CorpusResult",
    "SourceFile",
    "bach_files",
    "cache_dir",
    "filename_key_label",
    "load_corpus",
    "resolve_sources",
]
