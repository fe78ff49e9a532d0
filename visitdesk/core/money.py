"""Money is Decimal, rounded half-up to the fen in exactly one place: :func:`round_fen`."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def round_fen(amount: Decimal | int | str) -> Decimal:
    """Round to 0.01 yuan, half up (the bank convention)."""
    if isinstance(amount, float):  # pragma: no cover - programming error, never data
        raise TypeError("money must not be float")
    return Decimal(amount).quantize(FEN, rounding=ROUND_HALF_UP)


def money_str(amount: Decimal) -> str:
    """Machine form used in JSON and storage: ``"12345.60"``."""
    return str(round_fen(amount))


def format_yuan(amount: Decimal) -> str:
    """Display form: ``¥12,345.67`` (negative as ``-¥12.00``)."""
    value = round_fen(amount)
    sign = "-" if value < 0 else ""
    return f"{sign}¥{abs(value):,.2f}"


def format_plain(amount: Decimal) -> str:
    """Display form without the symbol: ``12,345.67``."""
    return f"{round_fen(amount):,.2f}"
