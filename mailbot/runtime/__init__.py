"""Runtime: what drives the stages — one message's path (pipeline), the daemon's threads, parser worker processes under limits, the OCR queue."""
