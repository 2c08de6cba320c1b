"""Commands: one module per command family. They parse arguments, call the library and render text or JSON; the only layer that prints."""
