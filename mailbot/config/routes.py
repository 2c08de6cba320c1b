"""The `routes:`, `people:` and `units:` sections of rules.yaml: who handles a document.

```yaml
units:
  - {id: tonghop, name: Phòng Tổng hợp, address: tonghop@quangngai.gov.vn}
people:
  - id: pct1
    name: Nguyễn Văn An
    address: pct1@quangngai.gov.vn
    unit: lanhdao
    deputy: pct2                      # who stands in whenever this person is away
    absences:
      - {from: 2026-12-01, to: 2026-12-05, deputy: pct3}   # this absence's own stand-in
routes:                               # in order; the first that matches applies
  - name: Tờ trình gửi UBND tỉnh
    when: {type: [Tờ trình], mailbox: ubnd}
    assign: {unit: tonghop, handler: pct1}
    forward: [tonghop@quangngai.gov.vn]    # extra addresses that get the document
    cc: [chanh.vanphong@quangngai.gov.vn]  # for information
    deadline: {working_days: 5}            # or the date the document states ("trước ngày …")
    dossier: HS-01                         # hồ sơ code (Decision 57/2014 Art. 14)
    continue: false                        # true: later routes may add to this one
  - name: Mặc định
    assign: {unit: vanthu}                 # no `when:` = matches everything (catch-all)
```

Conditions (`when:`), several keys in one mapping must all hold; `all:`, `any:`
and `not:` combine them: `mailbox` (ids), `sender` (addresses or domains, `*`
wildcards), `organ` (words of the issuing body), `type` (document types),
`urgency`, `secrecy`, `words` (in the trích yếu or the email subject),
`signature` (verdicts), `paper_required` (true/false). Text is compared
without case, accents or the đ stroke.
"""

from __future__ import annotations

from datetime import date
from typing import Literal, Optional

from pydantic import ConfigDict, Field, model_validator

from mailbot.config.errors import Lines, line_of, located
from mailbot.config.fields import DOTTED_ID, Address, Strict

SIGNATURE_VERDICTS = ("unsigned", "trusted-signed", "signed-untrusted", "signed-invalid", "indeterminate",
                      "unreadable")
URGENCIES = ("Hỏa tốc", "Thượng khẩn", "Khẩn")
SECRECIES = ("Mật", "Tối mật", "Tuyệt mật")


class _Strict(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Unit(_Strict):
    id: str = Field(pattern=DOTTED_ID)
    name: str
    address: Optional[Address] = None


class Absence(_Strict):
    start: date = Field(alias="from")
    end: date = Field(alias="to")
    deputy: Optional[str] = None

    @model_validator(mode="after")
    def _ordered(self) -> "Absence":
        if self.end < self.start:
            raise ValueError(f"absence ends ({self.end}) before it starts ({self.start}): swap from and to")
        return self

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


class Person(_Strict):
    id: str = Field(pattern=DOTTED_ID)
    name: str
    address: Address
    unit: Optional[str] = None
    deputy: Optional[str] = None
    absences: list[Absence] = []

    def absence_on(self, day: date) -> Absence | None:
        return next((a for a in self.absences if a.covers(day)), None)


class Condition(_Strict):
    all: Optional[list["Condition"]] = None
    any: Optional[list["Condition"]] = None
    not_: Optional["Condition"] = Field(None, alias="not")
    mailbox: Optional[list[str]] = None
    sender: Optional[list[str]] = None
    organ: Optional[list[str]] = None
    type: Optional[list[str]] = None
    urgency: Optional[list[Literal["Hỏa tốc", "Thượng khẩn", "Khẩn"]]] = None
    secrecy: Optional[list[Literal["Mật", "Tối mật", "Tuyệt mật"]]] = None
    words: Optional[list[str]] = None
    signature: Optional[list[Literal["unsigned", "trusted-signed", "signed-untrusted", "signed-invalid",
                                     "indeterminate", "unreadable"]]] = None
    paper_required: Optional[bool] = None

    @model_validator(mode="before")
    @classmethod
    def _lists(cls, data):
        """A single value where a list is expected reads as a list of one (`type: Tờ trình`)."""
        if isinstance(data, dict):
            return {k: ([v] if isinstance(v, str) and k not in ("not",) else v) for k, v in data.items()}
        return data

    @model_validator(mode="after")
    def _not_empty(self) -> "Condition":
        if not self.model_fields_set:
            raise ValueError("an empty condition matches everything: leave `when:` out for a catch-all route")
        return self


class Assign(_Strict):
    unit: Optional[str] = None
    handler: Optional[str] = None


class Deadline(_Strict):
    working_days: Optional[int] = Field(None, ge=1, le=365)
    from_document: bool = True        # a date the document states ("trước ngày …") wins


class Route(_Strict):
    name: str
    when: Optional[Condition] = None
    assign: Optional[Assign] = None
    forward: list[Address] = []
    cc: list[Address] = []
    deadline: Optional[Deadline] = None
    dossier: Optional[str] = None
    book: Optional[str] = None
    continue_: bool = Field(False, alias="continue")

    @property
    def catch_all(self) -> bool:
        return self.when is None


# -- checks that span the three sections (reported at the line of the offending value) --------

def _at(lines: Lines, *path) -> str:
    line = line_of(lines, path)
    return f"line {line}: " if line else ""


def unique(section: str, values: list[str], key: str, lines: Lines, advice: str) -> list[str]:
    """`section.N.key` values that were used before in the list, with both lines."""
    problems, first = [], {}
    for i, value in enumerate(values):
        if value in first:
            earlier = line_of(lines, (section, first[value], key))
            problems.append(located(lines, (section, i, key), f"{value!r} is used twice"
                                    f"{f' (also at line {earlier})' if earlier else ''}; {advice}"))
        first.setdefault(value, i)
    return problems


def check_routing(units: list[Unit], people: list[Person], routes: list[Route], books: set[str],
                  lines: Lines) -> list[str]:
    problems: list[str] = []
    unit_ids = {u.id for u in units}
    person_ids = {p.id for p in people}
    problems += unique("units", [u.id for u in units], "id", lines, "give each unit its own id")
    problems += unique("people", [p.id for p in people], "id", lines, "give each person their own id")

    def unknown(value: str | None, known: set[str], what: str, *path) -> None:
        if value is not None and value not in known:
            hint = _closest(value, known)
            problems.append(f"{_at(lines, *path)}{'.'.join(map(str, path))}: no {what} {value!r} "
                            f"(defined: {', '.join(sorted(known)) or 'none'}){hint}")

    for i, person in enumerate(people):
        unknown(person.unit, unit_ids, "unit", "people", i, "unit")
        unknown(person.deputy, person_ids, "person", "people", i, "deputy")
        if person.deputy == person.id:
            problems.append(f"{_at(lines, 'people', i, 'deputy')}people.{i}.deputy: {person.id!r} cannot be "
                            "their own deputy")
        for j, absence in enumerate(person.absences):
            unknown(absence.deputy, person_ids, "person", "people", i, "absences", j, "deputy")
            if absence.deputy == person.id:
                problems.append(f"{_at(lines, 'people', i, 'absences', j, 'deputy')}people.{i}.absences.{j}."
                                f"deputy: {person.id!r} cannot stand in for themselves")
    problems += _deputy_loops(people, lines)
    catch_all = None
    for i, route in enumerate(routes):
        if catch_all is not None:
            problems.append(f"{_at(lines, 'routes', i, 'name')}routes.{i}: route {route.name!r} can never match: "
                            f"route {catch_all!r} before it has no `when:` and matches everything "
                            "(move the catch-all to the end, or give it `continue: true`)")
        if route.when is None and not route.continue_:
            catch_all = catch_all or route.name
        if route.assign:
            unknown(route.assign.unit, unit_ids, "unit", "routes", i, "assign", "unit")
            unknown(route.assign.handler, person_ids, "person", "routes", i, "assign", "handler")
        unknown(route.book, books, "register book", "routes", i, "book")
    return problems


def _deputy_loops(people: list[Person], lines: Lines) -> list[str]:
    """Standing deputies that lead back to the person (a → b → a): nobody would ever be found
    when they are all away."""
    deputy = {p.id: p.deputy for p in people}
    index = {p.id: i for i, p in enumerate(people)}
    problems, reported = [], set()
    for start in deputy:
        chain, current = [start], deputy.get(start)
        while current and current not in chain and current in deputy:
            chain.append(current)
            current = deputy.get(current)
        if current == start and frozenset(chain) not in reported:
            reported.add(frozenset(chain))
            problems.append(f"{_at(lines, 'people', index[start], 'deputy')}people.{index[start]}.deputy: deputies "
                            f"go round in a loop ({' → '.join(chain + [start])}); when all of them are away "
                            "nobody is found — end the chain with someone who has no deputy")
    return problems


def _closest(value: str, known: set[str]) -> str:
    import difflib

    near = difflib.get_close_matches(value, sorted(known), n=1, cutoff=0.6)
    return f"; did you mean {near[0]!r}?" if near else ""
