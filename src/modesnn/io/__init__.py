"""File-system helpers shared by every writer (model files, exports, reports, the corpus cache)."""

from modesnn.io.atomic import atomic_path, file_mode, write_bytes, write_text

__all__ = ["atomic_path", "file_mode", "write_bytes", "write_text"]
