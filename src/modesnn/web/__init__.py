"""The local web page (`modesnn serve`): compose and listen live, change key while the network plays,
harmonise a melody, watch the spiking activity, and run a blind listening test.

An edge of the package: it calls the model's composition session and `modesnn.export`, and owns no music
logic of its own.  Starlette + uvicorn are imported only here (the `web` extra)."""
