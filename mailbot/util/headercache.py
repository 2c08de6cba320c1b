"""A header registry that builds each header class once and remembers recent headers.

`email.headerregistry.HeaderRegistry.__getitem__` creates a new class with
`type()` on every header it parses or sets. With the modern policy that is
most of the cost of reading a message's headers or composing a notice. The
classes it creates are the same every time, so they are built once per
header name here.

The modern policy also parses a header again on every access: one message's
`Content-Type` headers are parsed two dozen times while the email package walks it. A
parsed header is an immutable str subclass that depends only on its name and
value, so short ones are kept in a small LRU table and handed out again;
behaviour is otherwise unchanged.
"""

from __future__ import annotations

import functools
from email.headerregistry import HeaderRegistry

MEMO_ENTRIES = 512
MEMO_MAX_VALUE_CHARS = 1024      # long values (hostile or rare) are parsed each time, never kept


class CachedHeaderRegistry(HeaderRegistry):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._classes: dict[str, type] = {}
        self._memo = functools.lru_cache(maxsize=MEMO_ENTRIES)(self._build)

    def map_to_type(self, name, cls):
        super().map_to_type(name, cls)
        self._classes.pop(name.lower(), None)
        self._memo.cache_clear()

    def __getitem__(self, name):
        key = name.lower()
        cls = self._classes.get(key)
        if cls is None:
            cls = self._classes[key] = super().__getitem__(name)
        return cls

    def _build(self, name, value):
        return self[name](name, value)

    def __call__(self, name, value):
        if type(name) is str and type(value) is str and len(value) <= MEMO_MAX_VALUE_CHARS:
            return self._memo(name, value)
        return self._build(name, value)
