"""A header registry that builds each header class once.

`email.headerregistry.HeaderRegistry.__getitem__` creates a new class with
`type()` on every header it parses or sets. With the modern policy that is
most of the cost of reading a message's headers or composing a notice. The
classes it creates are the same every time, so they are built once per
header name here; behaviour is otherwise unchanged.
"""

from __future__ import annotations

from email.headerregistry import HeaderRegistry


class CachedHeaderRegistry(HeaderRegistry):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._classes: dict[str, type] = {}

    def map_to_type(self, name, cls):
        super().map_to_type(name, cls)
        self._classes.pop(name.lower(), None)

    def __getitem__(self, name):
        key = name.lower()
        cls = self._classes.get(key)
        if cls is None:
            cls = self._classes[key] = super().__getitem__(name)
        return cls
