"""How many SMS segments a text takes (3GPP TS 23.038): what the provider bills.

A text that the GSM-7 default alphabet can spell takes 160 septets in one segment, 153 in
each of several (the rest carries the joining header); the characters of its extension
table (`{`, `}`, `€` ...) take two septets, an escape and the character. Any other text
(Cyrillic) goes as UCS-2: 70 UTF-16 units in one segment, 67 in each of several. The
tables are the standard's; written out here rather than taken from a package, as the few
that exist on PyPI are unmaintained codecs that do not count segments.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7, UCS2 = "GSM-7", "UCS-2"
SINGLE = {GSM7: 160, UCS2: 70}
MULTI = {GSM7: 153, UCS2: 67}


@dataclass(frozen=True)
class Segments:
    encoding: str  # GSM7 or UCS2
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    count: int

    @property
    def limit(self) -> int:
        """The most units one segment of this encoding holds."""
        return SINGLE[self.encoding]


def count_segments(text: str) -> Segments:
    if all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text):
        encoding = GSM7
        units = sum(2 if char in GSM7_EXTENSION else 1 for char in text)
    else:
        encoding = UCS2
        units = len(text.encode("utf-16-le")) // 2  # a character beyond the BMP takes two
    if units <= SINGLE[encoding]:
        return Segments(encoding, units, 1 if units else 0)
    return Segments(encoding, units, -(-units // MULTI[encoding]))
