"""Personal-data redaction: find phones, landlines, ID-card numbers, bank cards, e-mails and street
addresses in normalised text and replace each with a typed placeholder (``<PHONE>`` ...).

Precision matters as much as recall here: order ids, SKU ids, tracking numbers and prices are
what quality and product teams need to read, so a digit run is only taken for personal data when
its shape AND its checks hold: an ID card needs a real birth date and the GB 11643 checksum, a
bank card the Luhn check, and none of them may sit right after an order / tracking / SKU keyword
or equal an id the caller declared in the conversation's metadata (``known_ids``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from voc_service.domain.analysis import PiiKind, Redaction

# Letters or digits right before/after a number mean it is part of a code (SF1234..., JDV...).
_NB = r"(?<![0-9A-Za-z])"
_NA = r"(?![0-9A-Za-z])"

_DIGIT = re.compile(r"\d")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_ID_CARD = re.compile(_NB + r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]" + _NA)
# 16-19 digits, optionally in groups separated by single spaces or hyphens.
_BANK_CARD = re.compile(_NB + r"\d(?:[ -]?\d){15,18}" + _NA)
_PHONE = re.compile(_NB + r"(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}" + _NA)
# Area code 0xx / 0xxx with a separator or parentheses: a bare 0-led digit run is too ambiguous.
_LANDLINE = re.compile(_NB + r"(?:\(0\d{2,3}\)|0\d{2,3}[ -])\d{7,8}(?:-\d{1,5})?" + _NA)

_PROVINCES = (
    "北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|"
    "海南|四川|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门"
)
_HAN = r"[\u4e00-\u9fa5]"
# A place name must not start with a function word, so "寄到文三路90号" yields "文三路90号".
_NAME_START = r"(?![我你他她在到是送寄住址的从往给为和跟去来发请帮就])"
_PROV = rf"(?:(?:{_PROVINCES})(?:省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)?)"
_CITY = rf"(?:{_NAME_START}{_HAN}{{2,5}}?(?:市|自治州|地区|盟))"
_DIST = rf"(?:{_NAME_START}{_HAN}{{1,5}}?(?:区|县|旗))"
_TOWN = rf"(?:{_HAN}{{1,5}}?(?:镇|乡|街道))"
# communities, villages and parks between the town and the road (福民社区在外径工业园狮径路13号)
_AREA = rf"(?:{_HAN}{{1,6}}?(?:社区|村|工业园|工业区|园区|开发区))"
_ROAD = rf"(?:{_NAME_START}[\u4e00-\u9fa5A-Za-z0-9]{{1,8}}?(?:大道|大街|路|街|巷|弄|胡同))"
_NUMBER = r"(?:\d+(?:-\d+)?号(?:院)?)"
_BUILDING = r"(?:\d+(?:号楼|栋|幢|座|楼))?(?:\d+单元)?(?:\d+(?:室|房|号))?"
_ESTATE = rf"(?:{_HAN}{{2,8}}?(?:小区|花园|公寓|大厦|家园|苑|广场))"
# Either anchored by an administrative prefix (province, or city + district) or a road with a
# house number AND a building / room, which together identify a home.
_ADDRESS = re.compile(
    rf"(?:{_PROV}{_CITY}?{_DIST}?|{_CITY}{_DIST}?|{_DIST}){_TOWN}?{_AREA}{{0,2}}{_ROAD}{_NUMBER}{_ESTATE}?{_BUILDING}"
    rf"|{_PROV}{_CITY}?{_DIST}{_TOWN}?{_ESTATE}{_BUILDING}"
    rf"|{_ROAD}{_NUMBER}{_ESTATE}?(?:\d+(?:号楼|栋|幢|座)\d*(?:单元)?\d*(?:室|房)?)"
)

# Cheap pre-checks that let most turns skip the expensive patterns.
_LONG_DIGIT_RUN = re.compile(r"\d[\d -]{6,}")
_ADDRESS_HINT = frozenset("号室栋幢座房")

# Keywords after which a digit run is an order / logistics / product number, not personal data.
_ID_CONTEXT = re.compile(
    r"(?:订单|单号|运单|快递|物流|编号|商品|型号|货号|sku|SKU|工单|发票号|批次|序列号|SN|sn|IMEI|imei)"
    r"[:\s是为号码]{0,3}$"
)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_card_valid(number: str) -> bool:
    """GB 11643-1999 checksum of an 18-character resident identity number."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


@dataclass(frozen=True, slots=True)
class Redacted:
    text: str
    redactions: list[Redaction]


REDACTOR_VERSION = "2"  # 2: communities / villages / parks between town and road


class Redactor:
    """Finds personal data and replaces it. Stateless and thread-safe; build once, reuse."""

    def find(self, text: str, known_ids: Iterable[str] = ()) -> list[tuple[int, int, PiiKind]]:
        """Spans of personal data in ``text`` (non-overlapping, sorted)."""
        has_digit = _DIGIT.search(text) is not None
        if not has_digit and "@" not in text:
            return []  # every pattern needs a digit or an @: the common case costs one scan
        known = {k for k in known_ids if k}
        found: list[tuple[int, int, PiiKind]] = []
        if "@" in text:
            found += [(m.start(), m.end(), PiiKind.EMAIL) for m in _EMAIL.finditer(text)]
        if has_digit and _LONG_DIGIT_RUN.search(text):  # phones, cards, ids: 7+ digits in a row
            for m in _ID_CARD.finditer(text):
                if id_card_valid(m.group()) and not self._is_id_context(text, m, known):
                    found.append((m.start(), m.end(), PiiKind.ID_CARD))
            for m in _BANK_CARD.finditer(text):
                digits = m.group().replace(" ", "").replace("-", "")
                if luhn_valid(digits) and not self._is_id_context(text, m, known, digits):
                    found.append((m.start(), m.end(), PiiKind.BANK_CARD))
            for m in _PHONE.finditer(text):
                if not self._is_id_context(text, m, known):
                    found.append((m.start(), m.end(), PiiKind.PHONE))
            for m in _LANDLINE.finditer(text):
                found.append((m.start(), m.end(), PiiKind.LANDLINE))
        if has_digit and not _ADDRESS_HINT.isdisjoint(text):  # every address form ends in one
            for m in _ADDRESS.finditer(text):
                found.append((m.start(), m.end(), PiiKind.ADDRESS))
        return _non_overlapping(found)

    def redact(self, text: str, known_ids: Iterable[str] = ()) -> Redacted:
        spans = self.find(text, known_ids)
        if not spans:
            return Redacted(text, [])
        parts: list[str] = []
        redactions: list[Redaction] = []
        pos = 0
        out_len = 0
        for start, end, kind in spans:
            parts.append(text[pos:start])
            out_len += start - pos
            placeholder = kind.placeholder
            redactions.append(Redaction(kind, out_len, out_len + len(placeholder)))
            parts.append(placeholder)
            out_len += len(placeholder)
            pos = end
        parts.append(text[pos:])
        return Redacted("".join(parts), redactions)

    @staticmethod
    def _is_id_context(text: str, m: re.Match[str], known: set[str], digits: str | None = None) -> bool:
        value = m.group()
        if value in known or (digits is not None and digits in known):
            return True
        return _ID_CONTEXT.search(text, max(0, m.start() - 12), m.start()) is not None


def _non_overlapping(spans: list[tuple[int, int, PiiKind]]) -> list[tuple[int, int, PiiKind]]:
    """Keep the earliest-starting, then longest span; drop spans overlapping a kept one."""
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    kept: list[tuple[int, int, PiiKind]] = []
    last_end = -1
    for span in spans:
        if span[0] >= last_end:
            kept.append(span)
            last_end = span[1]
    return kept
