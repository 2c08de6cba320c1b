"""Value types shared by the sections of rules.yaml: addresses, ids, ports, positive numbers.

Each refuses what an administrator could plausibly have typed wrong and says
how to write it instead.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

class Strict(BaseModel):
    """A section of rules.yaml: unknown keys are errors, values never change once read."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# id patterns and how they are told to an administrator (pydantic would show the regex)
ID = r"^[a-z0-9][a-z0-9_-]*$"           # books, mailboxes
DOTTED_ID = r"^[a-z0-9][a-z0-9_.-]*$"   # units, people (pct1, p.tonghop)
PATTERN_WORDS = {
    ID: "use lower-case letters, digits, '-' or '_', starting with a letter or digit",
    DOTTED_ID: "use lower-case letters, digits, '-', '_' or '.', starting with a letter or digit",
}

# local@domain.tld, no spaces or commas: what a person could have typed wrong is refused here.
_LOCAL = r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+"
_DOMAIN = r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"
_ADDRESS = re.compile(rf"^{_LOCAL}@{_DOMAIN}$")
_ANGLE = re.compile(rf"<\s*({_LOCAL}@{_DOMAIN})\s*>")


def check_address(value: str) -> str:
    """One address, local@domain.tld, returned lower-case; ValueError saying what is wrong."""
    value = value.strip()
    if _ADDRESS.match(value):
        return value.lower()
    raise ValueError(f"{value!r} is not one email address: {_address_fault(value)}")


def _address_fault(value: str) -> str:
    example = "name@agency.gov.vn"
    if not value:
        return f"it is empty; write one address, e.g. {example}"
    if value.count("@") > 1 or re.search(r"[,;]", value):
        count = max(value.count("@"), len([part for part in re.split(r"[,;]", value) if part.strip()]), 2)
        return (f"it holds {count} addresses; write one address here (in a list, one address "
                f"per item: [a@agency.gov.vn, b@agency.gov.vn])")
    angle = _ANGLE.search(value)
    if angle:
        return f"write the bare address without a name or <>: {angle[1].lower()}"
    if "@" not in value:
        return f"it has no @; write it as {example}"
    if re.search(r"\s", value):
        joined = re.sub(r"\s+", "", value)
        hint = f": {joined.lower()}" if _ADDRESS.match(joined) else f", e.g. {example}"
        return f"it contains a space; write it without spaces{hint}"
    local, _, domain = value.rpartition("@")
    if not local:
        return f"nothing before the @; write it as {example}"
    if re.fullmatch(r"[A-Za-z0-9-]+", domain):
        return (f"the domain {domain!r} has no dot; write the whole domain, "
                f"e.g. {local.lower()}@{domain.lower()}.gov.vn")
    bad = sorted({ch for ch in value if not re.match(r"[A-Za-z0-9.@!#$%&'*+/=?^_`{|}~-]", ch)})
    if bad:
        return (f"it contains {' '.join(repr(ch) for ch in bad)}, which an address cannot hold "
                f"(write accents-free ASCII, e.g. {example})")
    return f"write it as {example}"


def _optional_address(value: str) -> str:
    """An address, or "" for none (smtp.envelope_sender: MAIL FROM:<>)."""
    return "" if not value.strip() else check_address(value)


Address = Annotated[str, AfterValidator(check_address)]
AddressOrEmpty = Annotated[str, AfterValidator(_optional_address)]

Port = Annotated[int, Field(ge=1, le=65535)]
Count = Annotated[int, Field(ge=1)]            # sizes, counts, attempts: at least 1
Seconds = Annotated[float, Field(gt=0)]        # durations: more than 0
