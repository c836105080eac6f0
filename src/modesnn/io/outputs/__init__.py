"""Music out, one module per format (midi, musicxml, svg, wav) and one dispatcher (write)."""
