"""Deterministic synthetic accounts for demos, tests and benchmarks. Never real people.

Everything is drawn from a seeded ``random.Random``, so the same seed gives the same
accounts on every machine. ID numbers carry a valid GB 11643 check digit, card numbers pass
the Luhn check, and the debts add up the way a bank export would show them.

``python -m visitdesk.synth --demo`` regenerates ``resources/samples/demo_accounts.xlsx``;
``bench/make_workbook.py --rows N --out F`` writes large workbooks.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from visitdesk.core.money import round_fen

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
)
GIVEN_CHARS = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉斌宇浩凯健俊帆"
    "帅旭宁龙林欣佳雪琳晨阳婷倩颖博文思雨子涵梓轩诗怡嘉然晓东海峰建国志远德胜春梅秋菊冬青"
)
REGIONS = (
    ("110105", "北京市朝阳区"), ("110108", "北京市海淀区"), ("310104", "上海市徐汇区"),
    ("310115", "上海市浦东新区"), ("440106", "广东省广州市天河区"), ("440304", "广东省深圳市福田区"),
    ("320102", "江苏省南京市玄武区"), ("330106", "浙江省杭州市西湖区"), ("510107", "四川省成都市武侯区"),
    ("420106", "湖北省武汉市武昌区"), ("610113", "陕西省西安市雁塔区"), ("370202", "山东省青岛市市南区"),
)
ROADS = ("人民路", "建设路", "解放路", "中山路", "和平街", "新华路", "长江路", "朝阳路", "文化路",
         "光明街", "幸福路", "团结路")
ESTATES = ("花园小区", "阳光苑", "锦绣家园", "翠湖小区", "金桂园", "景泰里", "康乐新村", "东方明珠苑")
CARD_PREFIXES = ("622202", "622848", "621700", "622588", "622609", "621226", "625965", "622700")
MOBILE_PREFIXES = ("130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152",
                   "158", "159", "176", "177", "180", "181", "182", "186", "187", "188", "189")
BRANCHES = ("朝阳支行", "海淀支行", "西城支行", "东城支行", "丰台支行", "通州支行")
OFFICERS = ("李明", "王芳", "张伟", "刘洋", "陈静", "杨磊", "赵敏", "周杰")

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"

HEADERS = ("客户姓名", "证件号码", "手机号", "卡号", "欠款本金", "利息", "滞纳金", "其他费用",
           "逾期天数", "逾期起始日", "到期日", "地址", "所属网点", "客户经理")
"""The 14 columns of a typical bank export, in the order the generator writes them."""


def id_check_digit(first17: str) -> str:
    """GB 11643 check character for the first 17 digits of a resident ID."""
    total = sum(int(ch) * w for ch, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def luhn_check_digit(partial: str) -> str:
    """The digit that makes ``partial + digit`` pass the Luhn check."""
    total = 0
    for i, ch in enumerate(reversed(partial)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    return number.isdigit() and luhn_check_digit(number[:-1]) == number[-1]


@dataclass(frozen=True)
class SynthAccount:
    """One synthetic row, with values as a bank export would hold them."""

    name: str
    id_number: str
    phone: str
    account_no: str
    principal: Decimal
    interest: Decimal
    late_fee: Decimal
    other_fees: Decimal
    overdue_days: int
    overdue_since: date
    due_date: date
    address: str
    branch: str
    officer: str

    def row(self) -> tuple:
        """Cell values in :data:`HEADERS` order (money as float cells, like a real export)."""
        return (self.name, self.id_number, self.phone, self.account_no, float(self.principal),
                float(self.interest), float(self.late_fee), float(self.other_fees),
                self.overdue_days, self.overdue_since, self.due_date, self.address,
                self.branch, self.officer)


class Synth:
    """Seeded generator: ``Synth(seed).accounts(n)`` is the same list every time."""

    def __init__(self, seed: int = 20240305, as_of: date = date(2024, 6, 30)) -> None:
        self.rnd = random.Random(seed)
        self.as_of = as_of
        self._cards: set[str] = set()

    def name(self) -> str:
        r = self.rnd
        return r.choice(SURNAMES) + "".join(r.choice(GIVEN_CHARS) for _ in range(r.choice((1, 2, 2))))

    def id_number(self) -> str:
        r = self.rnd
        region = r.choice(REGIONS)[0]
        birth = date(1960, 1, 1) + timedelta(days=r.randrange(0, 40 * 365))
        first17 = f"{region}{birth:%Y%m%d}{r.randrange(0, 1000):03d}"
        return first17 + id_check_digit(first17)

    def card_number(self) -> str:
        while True:
            prefix = self.rnd.choice(CARD_PREFIXES)
            body = prefix + "".join(str(self.rnd.randrange(10)) for _ in range(15 - len(prefix)))
            number = body + luhn_check_digit(body)
            if number not in self._cards:
                self._cards.add(number)
                return number

    def phone(self) -> str:
        return self.rnd.choice(MOBILE_PREFIXES) + f"{self.rnd.randrange(0, 10**8):08d}"

    def address(self) -> str:
        r = self.rnd
        return (f"{r.choice(REGIONS)[1]}{r.choice(ROADS)}{r.randrange(1, 300)}号"
                f"{r.choice(ESTATES)}{r.randrange(1, 30)}栋{r.randrange(1, 6)}单元"
                f"{r.randrange(1, 33)}0{r.randrange(1, 5)}室")

    def account(self) -> SynthAccount:
        r = self.rnd
        principal = round_fen(Decimal(r.randrange(200_000, 20_000_000)) / 100)
        days = r.choice((r.randrange(1, 31), r.randrange(31, 181), r.randrange(181, 900)))
        interest = round_fen(principal * Decimal("0.0005") * days)
        months = max(1, days // 30)
        late_fee = round_fen(min(principal * Decimal("0.05"), Decimal(months * 50)))
        other = round_fen(Decimal(r.choice((0, 0, 0, 10, 25, 50, 80))))
        since = self.as_of - timedelta(days=days)
        return SynthAccount(
            name=self.name(), id_number=self.id_number(), phone=self.phone(),
            account_no=self.card_number(), principal=principal, interest=interest,
            late_fee=late_fee, other_fees=other, overdue_days=days, overdue_since=since,
            due_date=since - timedelta(days=1), address=self.address(),
            branch=r.choice(BRANCHES), officer=r.choice(OFFICERS),
        )

    def accounts(self, n: int) -> list[SynthAccount]:
        return [self.account() for _ in range(n)]

    def rows(self, n: int) -> Iterator[tuple]:
        for _ in range(n):
            yield self.account().row()


def write_workbook(path: str | Path, rows: Iterator[Sequence] | Sequence[Sequence], *,
                   headers: Sequence[str] = HEADERS, title: str | None = "逾期客户清单",
                   sheet: str = "逾期客户") -> Path:
    """Write a fast write-only xlsx: optional title row, header row, then ``rows``.

    Dates get a date number format so Excel (and readers) see date cells.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    if title:
        ws.append([title])
    ws.append(list(headers))
    for row in rows:
        out = []
        for value in row:
            if isinstance(value, date):
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = "yyyy-mm-dd"
                out.append(cell)
            else:
                out.append(value)
        ws.append(out)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    wb.save(tmp)
    tmp.replace(path)
    return path


DEMO_ROWS = 40


def write_demo_workbook(path: str | Path, seed: int = 20240305) -> Path:
    """The bundled demo: a title row, a merged branch column and three bad rows.

    Rows are grouped by branch and the branch cells of each group are merged vertically,
    as branch reports often are. Bad rows: a card number Excel turned into a float (digits
    lost), an ID with a wrong check digit, and an ambiguous amount ``1.234,56``.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    synth = Synth(seed)
    accounts = sorted(synth.accounts(DEMO_ROWS), key=lambda a: a.branch)
    wb = Workbook()
    ws = wb.active
    ws.title = "逾期客户"
    ws.append([f"逾期客户清单（数据日期：{synth.as_of:%Y年%m月%d日}）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(list(HEADERS))
    for cell in ws[2]:
        cell.font = Font(bold=True)
    first_data = 3
    for a in accounts:
        ws.append(list(a.row()))
    for r in range(first_data, first_data + len(accounts)):
        for c in (10, 11):
            ws.cell(r, c).number_format = "yyyy-mm-dd"
        for c in (5, 6, 7, 8):
            ws.cell(r, c).number_format = "#,##0.00"
        ws.cell(r, 4).number_format = "@"
    # Bad rows (Excel row numbers): 5 card as float, 9 bad ID check digit, 14 ambiguous amount.
    # As Excel keeps it: 15 significant digits, the 16th already turned into a zero.
    ws.cell(5, 4).value = float(format(float(accounts[2].account_no), ".15g"))
    ws.cell(5, 4).number_format = "0"
    bad_id = accounts[6].id_number
    ws.cell(9, 2).value = bad_id[:-1] + ("0" if bad_id[-1] != "0" else "1")
    ws.cell(14, 5).value = "1.234,56"
    # Merge the branch column per group (column M = 13).
    start = first_data
    for i in range(1, len(accounts) + 1):
        if i == len(accounts) or accounts[i].branch != accounts[start - first_data].branch:
            end = first_data + i - 1
            if end > start:
                ws.merge_cells(start_row=start, start_column=13, end_row=end, end_column=13)
                ws.cell(start, 13).alignment = Alignment(vertical="center")
            start = end + 1
    widths = (10, 21, 14, 21, 12, 10, 10, 10, 9, 12, 12, 48, 12, 10)
    for i, w in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = w
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    wb.save(tmp)
    tmp.replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="synthetic account workbooks (never real people)")
    parser.add_argument("--demo", action="store_true",
                        help="regenerate resources/samples/demo_accounts.xlsx")
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20240305)
    parser.add_argument("--out", help="output .xlsx")
    args = parser.parse_args(argv)
    if args.demo:
        from visitdesk.paths import resource

        out = Path(args.out) if args.out else resource("samples") / "demo_accounts.xlsx"
        out.parent.mkdir(parents=True, exist_ok=True)
        print(write_demo_workbook(out, args.seed))
        return 0
    if not args.out:
        parser.error("--out is required without --demo")
    print(write_workbook(args.out, Synth(args.seed).rows(args.rows)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
