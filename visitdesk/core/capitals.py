"""Amounts in Chinese capitals (大写金额), as banks write them on agreements and vouchers.

The zero rules follow the People's Bank's 《正确填写票据和结算凭证的基本规定》 (appendix of the
支付结算办法):

* ``元整`` when there are no jiao or fen; no ``整`` after ``角`` (the rules make it optional)
  and never after ``分``.
* A zero between non-zero digits is written ``零``; a run of zeros is written as one ``零``
  (¥6,007.14 → 陆仟零柒元壹角肆分).
* Where the rules allow either form (rule 3: the 万 or 元 digit is 0 but the 千 or 角 digit is
  not), visitdesk chooses one and keeps to it:

  - a zero 万 digit before a non-zero 千 digit gets no ``零`` (¥107,000.53 → 壹拾万柒仟元…),
    as Chinese numerals are read;
  - a zero 元 digit before a non-zero 角 digit gets ``零`` (¥1,680.32 → 壹仟陆佰捌拾元零叁角贰分),
    which is the first form the rules give.

* A zero 角 digit before a non-zero 分 digit always gets ``零`` after ``元``
  (¥16,409.02 → 壹万陆仟肆佰零玖元零贰分).
* ``壹拾`` is written out (¥10 → 壹拾元整), as the rules' examples do, so that nothing can be
  written in front of ``拾``.
"""

from __future__ import annotations

from decimal import Decimal

from visitdesk.core.money import round_fen

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ("", "拾", "佰", "仟")
GROUP_UNITS = ("", "万", "亿", "万亿")
PREFIX = "人民币"
MAX_AMOUNT = Decimal("9999999999999999.99")
"""Largest amount that can be written (万亿 is the largest group unit used)."""


def _integer_capitals(value: int) -> str:
    """Chinese capitals of a positive integer, with the 零 rules above."""
    groups: list[int] = []
    while value:
        groups.append(value % 10000)
        value //= 10000
    out: list[str] = []
    pending_zero = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            pending_zero = bool(out)
            continue
        digits = [group // 1000, group // 100 % 10, group // 10 % 10, group % 10]
        # A zero 千 digit in a group that follows written digits needs 零 (壹万零伍佰);
        # a group that ends in zeros does not carry a 零 into the next one (壹拾万柒仟).
        for position, digit in enumerate(digits):
            unit = SMALL_UNITS[3 - position]
            if digit == 0:
                if out:
                    pending_zero = True
                continue
            if pending_zero:
                out.append("零")
                pending_zero = False
            out.append(DIGITS[digit] + unit)
        out.append(GROUP_UNITS[index])
        pending_zero = False  # a group's trailing zeros are not carried into the next group
    return "".join(out)


def to_capitals(amount: Decimal, *, prefix: bool = True) -> str:
    """``Decimal("12345.67")`` → ``人民币壹万贰仟叁佰肆拾伍元陆角柒分``.

    The amount is rounded to the fen first. Negative amounts and amounts beyond
    :data:`MAX_AMOUNT` raise ``ValueError``.
    """
    value = round_fen(amount)
    if value < 0:
        raise ValueError(f"cannot write a negative amount in capitals: {value}")
    if value > MAX_AMOUNT:
        raise ValueError(f"amount too large to write in capitals: {value}")
    fen_total = int(value * 100)
    yuan, cents = divmod(fen_total, 100)
    jiao, fen = divmod(cents, 10)
    head = PREFIX if prefix else ""
    if yuan == 0 and cents == 0:
        return head + "零元整"
    parts: list[str] = []
    if yuan:
        parts.append(_integer_capitals(yuan) + "元")
    if cents == 0:
        parts.append("整")
    else:
        if jiao:
            if yuan and yuan % 10 == 0:
                parts.append("零")
            parts.append(DIGITS[jiao] + "角")
        elif yuan:
            parts.append("零")  # 元零贰分: mandatory when 角 is 0 and 分 is not
        if fen:
            parts.append(DIGITS[fen] + "分")
    return head + "".join(parts)
