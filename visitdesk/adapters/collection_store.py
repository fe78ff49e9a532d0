"""The collection cycle's tables in the case store: commitments, payments, contacts.

Finalised visit versions become commitments, a follow-up and a visit contact in
:meth:`CollectionStore.refresh` (idempotent: each version is processed once, recorded in
``cycle_source``), so nothing in the visit store has to know about the cycle. Statuses and plan
states are never stored: they are computed from commitments and payments as of a day
(``core/collection/commitments.allocate``). Rows are never deleted (triggers refuse it).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from visitdesk.adapters.store import CaseStore, _select_in, now_iso
from visitdesk.core.collection.commitments import (
    AccountAllocation,
    Commitment,
    CycleRules,
    Payment,
    allocate,
    commitments_for,
)
from visitdesk.core.collection.contacts import (
    CHANNELS,
    OUTCOME_RESULTS,
    RESULTS,
    Contact,
    ContactProblem,
    contact_problems,
)
from visitdesk.core.collection.worklist import (
    FollowUpDue,
    NeverContacted,
    Reason,
    WorklistEntry,
    assemble,
    plan_reasons,
)
from visitdesk.core.debt import breakdown
from visitdesk.core.errors import InputError, NotFound
from visitdesk.core.money import ZERO, money_str, round_fen
from visitdesk.core.settings import Settings
from visitdesk.core.talking_points import plan_for
from visitdesk.core.visit import VisitRecord
from visitdesk.i18n import tr


class ContactRefused(InputError):
    """A contact that breaks the contact rules and has no recorded consent."""

    def __init__(self, problems: Sequence[ContactProblem]) -> None:
        super().__init__(tr("cycle.contact.refused",
                            problems="；".join(p.message for p in problems)))
        self.problems = tuple(problems)


@dataclass(frozen=True)
class PaymentWrite:
    """What storing a set of payments did."""

    imported: int
    duplicates: int
    """Payments whose reference was already stored with the same figures (not stored again)."""
    reversed: int
    conflicts: tuple[tuple[str, str], ...] = ()
    """``(reference, reason)`` of rows that were not stored."""


def rules_of(settings: Settings) -> CycleRules:
    return CycleRules(settings.plan_grace_days, settings.plan_broken_days_late,
                      settings.plan_broken_missed)


def _commitment(r: Sequence) -> Commitment:
    return Commitment(r[0], r[1], r[2], r[3], r[4], r[5], date.fromisoformat(r[6]),
                      Decimal(r[7]), date.fromisoformat(r[8]), r[9])


def _payment(r: Sequence) -> Payment:
    return Payment(r[0], r[1], date.fromisoformat(r[2]), Decimal(r[3]), r[4], r[5],
                   r[6] is not None)


def _contact(r: Sequence) -> Contact:
    return Contact(r[1], r[2], datetime.fromisoformat(r[3]), r[4], r[5], r[6], bool(r[7]),
                   r[0], r[8])


def _money(amount: Decimal) -> str:
    """``money_str``, without rounding again what is already to the fen (every parsed amount)."""
    return str(amount) if amount.as_tuple().exponent == -2 else money_str(amount)


_COMMITMENT_COLS = ("id, account_no, visit_id, version, n, kind, due_date, amount, created_on,"
                    " superseded_by")
_PAYMENT_COLS = "reference, account_no, paid_on, amount, source, reason, reversed_by"
_CONTACT_COLS = "id, account_no, channel, at, who, result, note, consent, visit_id"


class CollectionStore:
    """Commitments, payments and contacts on the case store's connection."""

    def __init__(self, store: CaseStore, settings: Settings) -> None:
        self.store = store
        self.conn = store.conn
        self.settings = settings

    # --- from visits ----------------------------------------------------------------------
    def refresh(self) -> int:
        """Turn finalised visit versions not seen yet into commitments, a follow-up and a
        visit contact; returns how many versions were processed. Safe to call any time."""
        rows = self.conn.execute(
            "SELECT v.id, v.version, v.record FROM visit v WHERE v.state IN ('finalised', "
            "'signed') AND NOT EXISTS (SELECT 1 FROM cycle_source s WHERE s.visit_id = v.id "
            "AND s.version = v.version) ORDER BY v.id, v.version").fetchall()
        if not rows:
            return 0
        stamp = now_iso()
        touched: set[str] = set()
        with self.store.transaction() as c:
            for visit_id, version, text in rows:
                record = VisitRecord.from_json(json.loads(text))
                self._process(c, record, stamp)
                touched.add(record.account_no)
                c.execute("INSERT INTO cycle_source VALUES (?, ?, ?)", (visit_id, version, stamp))
            self._reallocate(c, touched)
        return len(rows)

    def _reallocate(self, c, accounts: Iterable[str]) -> None:
        """Recompute what the payments have paid of these accounts' commitments (the
        ``commitment_paid`` cache the worklist reads), inside the caller's transaction."""
        accounts = sorted(set(accounts))
        if not accounts:
            return
        commitments: dict[str, list[Commitment]] = {}
        for r in _select_in(c, f"SELECT {_COMMITMENT_COLS} FROM commitment WHERE account_no "
                            "IN ({})", accounts):
            commitments.setdefault(r[1], []).append(_commitment(r))
        payments: dict[str, list[Payment]] = {}
        for r in _select_in(c, f"SELECT {_PAYMENT_COLS} FROM payment WHERE account_no IN ({{}})",
                            [a for a in accounts if a in commitments]):
            payments.setdefault(r[1], []).append(_payment(r))
        for i in range(0, len(accounts), 900):
            part = accounts[i:i + 900]
            c.execute(f"DELETE FROM commitment_paid WHERE account_no IN "
                      f"({','.join('?' * len(part))})", part)
        rules = rules_of(self.settings)
        rows = []
        for no, cs in commitments.items():
            alloc = allocate(no, cs, payments.get(no, ()), date.max, rules)
            for plan in alloc.plans:
                for s in plan.commitments:
                    x = s.commitment
                    if x.superseded_by is None:
                        full = s.paid_in_full_on.toordinal() if s.paid_in_full_on else None
                        rows.append((x.id, x.plan_id, no, x.n, x.due_date.isoformat(),
                                     x.due_date.toordinal(), money_str(x.amount),
                                     money_str(s.paid), full,
                                     None if full is None else full - x.due_date.toordinal()))
        c.executemany("INSERT INTO commitment_paid (commitment_id, plan_id, account_no, n, "
                      "due_date, due_day, amount, paid, full_day, late_days) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def _cache_in_step(self) -> None:
        """Rebuild the paid cache once if it does not cover the open commitments (a store
        from before the cache, or one written by another program)."""
        open_count, cached, undated = self.conn.execute(
            "SELECT (SELECT count(*) FROM commitment WHERE superseded_by IS NULL), "
            "(SELECT count(*) FROM commitment_paid), (SELECT count(*) FROM commitment_paid "
            "WHERE full_day IS NOT NULL AND late_days IS NULL)").fetchone()
        if open_count != cached or undated:
            with self.store.transaction() as c:
                self._reallocate(c, [r[0] for r in c.execute(
                    "SELECT DISTINCT account_no FROM commitment")])

    def _process(self, c, record: VisitRecord, stamp: str) -> None:
        account = self.store.account(record.account_no)
        if account is None:
            return
        plan = plan_for(record, account, self.settings)
        day = record.start.date() if record.start else None
        total = breakdown(account, self.settings, day).total if day else account.total
        new = commitments_for(record, plan, total)
        old = [_commitment(r) for r in c.execute(
            f"SELECT {_COMMITMENT_COLS} FROM commitment WHERE visit_id = ? AND version < ? "
            "AND superseded_by IS NULL", (record.id, record.version))]
        if old and [(x.kind, x.due_date, x.amount) for x in old] == [
                (x.kind, x.due_date, x.amount) for x in new]:
            new = []  # the amendment kept the plan: its commitments stand
        elif old:
            c.execute("UPDATE commitment SET superseded_by = ? WHERE visit_id = ? AND version < ?"
                      " AND superseded_by IS NULL", (f"{record.id}-v{record.version}",
                                                      record.id, record.version))
        c.executemany(
            "INSERT OR IGNORE INTO commitment VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
            [(x.id, x.account_no, x.visit_id, x.version, x.n, x.kind, x.due_date.isoformat(),
              money_str(x.amount), x.created_on.isoformat(), stamp) for x in new])
        if record.follow_up.date is not None:
            c.execute("INSERT INTO follow_up VALUES (?, ?, ?, ?, ?) ON CONFLICT(visit_id) DO "
                      "UPDATE SET version=excluded.version, due_on=excluded.due_on, "
                      "channel=excluded.channel",
                      (record.id, record.version, record.account_no,
                       record.follow_up.date.isoformat(), record.follow_up.channel))
        if record.start is not None:
            who = f"{record.officer.name} {record.officer.staff_no}".strip()
            c.execute(
                "INSERT OR IGNORE INTO contact (account_no, channel, at, who, result, note, "
                "consent, visit_id, created_at) VALUES (?, 'visit', ?, ?, ?, '', ?, ?, ?)",
                (record.account_no, record.start.replace(tzinfo=None).isoformat(), who,
                 OUTCOME_RESULTS.get(record.outcome or "", "reached"),
                 int(record.consent_outside_hours), record.id, stamp))

    # --- commitments ----------------------------------------------------------------------
    def commitments(self, account_no: str | None = None) -> list[Commitment]:
        sql = f"SELECT {_COMMITMENT_COLS} FROM commitment"
        params: tuple = ()
        if account_no is not None:
            sql += " WHERE account_no = ?"
            params = (account_no,)
        return [_commitment(r) for r in self.conn.execute(sql + " ORDER BY due_date, id", params)]

    def allocation(self, account_no: str, today: date) -> AccountAllocation:
        return allocate(account_no, self.commitments(account_no), self.payments(account_no),
                        today, rules_of(self.settings))

    def allocations(self, today: date) -> list[AccountAllocation]:
        """Every account that has commitments, allocated as of ``today``."""
        commitments: dict[str, list[Commitment]] = {}
        for r in self.conn.execute(f"SELECT {_COMMITMENT_COLS} FROM commitment"):
            commitments.setdefault(r[1], []).append(_commitment(r))
        payments: dict[str, list[Payment]] = {}
        for r in self.conn.execute(
                f"SELECT {_PAYMENT_COLS} FROM payment WHERE account_no IN "
                "(SELECT DISTINCT account_no FROM commitment)"):
            payments.setdefault(r[1], []).append(_payment(r))
        rules = rules_of(self.settings)
        return [allocate(no, cs, payments.get(no, ()), today, rules)
                for no, cs in commitments.items()]

    # --- payments -------------------------------------------------------------------------
    def payments(self, account_no: str | None = None) -> list[Payment]:
        sql = f"SELECT {_PAYMENT_COLS} FROM payment"
        params: tuple = ()
        if account_no is not None:
            sql += " WHERE account_no = ?"
            params = (account_no,)
        return [_payment(r) for r in self.conn.execute(sql + " ORDER BY paid_on, reference",
                                                       params)]

    def add_payment(self, account_no: str, amount: Decimal, paid_on: date, reason: str,
                    who: str) -> Payment:
        """A payment entered by hand (the reason is required)."""
        if self.store.account(account_no) is None:
            raise NotFound(tr("cycle.error.no_account", account=account_no))
        if not reason.strip():
            raise InputError(tr("cycle.error.reason_required"))
        if amount <= ZERO:
            raise InputError(tr("cycle.error.amount_positive", amount=str(amount)))
        payment = Payment("M" + uuid.uuid4().hex[:15].upper(), account_no, paid_on,
                          round_fen(amount), "manual", reason.strip())
        with self.store.transaction() as c:
            self._insert_payments(c, [payment], None, who)
            self._reallocate(c, [account_no])
        return payment

    def store_payments(self, payments: Iterable[Payment], reversals: Iterable[tuple[str, str]],
                       batch: tuple[str, str] | None, who: str) -> PaymentWrite:
        """Store imported payments and reversals in one transaction.

        A reference already stored with the same account, day and amount is a duplicate
        (skipped); with other figures it is a conflict (not stored, reported). ``reversals``
        are ``(reversal_reference, reference_reversed)``.
        """
        payments = list(payments)
        reversals = list(reversals)
        stored = {r[0]: _payment(r) for r in _select_in(
            self.conn, f"SELECT {_PAYMENT_COLS} FROM payment WHERE reference IN ({{}})",
            [p.reference for p in payments])}
        fresh: dict[str, Payment] = {}
        duplicates = 0
        conflicts: list[tuple[str, str]] = []
        for p in payments:
            seen = stored.get(p.reference) or fresh.get(p.reference)
            if seen is None:
                fresh[p.reference] = p
            elif (seen.account_no, seen.paid_on, seen.amount) == (p.account_no, p.paid_on,
                                                                   p.amount):
                duplicates += 1
            else:
                conflicts.append((p.reference, tr("cycle.payments.conflict",
                                                  reference=p.reference)))
        done = 0
        with self.store.transaction() as c:
            batch_id = None
            if batch is not None:
                batch_id = c.execute(
                    "INSERT INTO payment_batch (file_name, sha256, imported_at, imported, "
                    "duplicates, skipped) VALUES (?, ?, ?, 0, 0, 0)",
                    (batch[0], batch[1], now_iso())).lastrowid
            self._insert_payments(c, fresh.values(), batch_id, who)
            for reversal, target in reversals:
                n = c.execute("UPDATE payment SET reversed_by = ? WHERE reference = ? AND "
                              "reversed_by IS NULL", (reversal, target)).rowcount
                if n:
                    done += 1
                elif c.execute("SELECT reversed_by FROM payment WHERE reference = ?",
                               (target,)).fetchone() is None:
                    conflicts.append((reversal, tr("cycle.payments.reversal_unknown",
                                                   reference=target)))
            if batch_id is not None:
                c.execute("UPDATE payment_batch SET imported = ?, duplicates = ?, skipped = ? "
                          "WHERE id = ?", (len(fresh), duplicates, len(conflicts), batch_id))
            touched = {p.account_no for p in fresh.values()}
            targets = [t for _r, t in reversals]
            touched |= {r[0] for r in _select_in(
                c, "SELECT account_no FROM payment WHERE reference IN ({})", targets)}
            self._reallocate(c, touched)
        return PaymentWrite(len(fresh), duplicates, done, tuple(conflicts))

    def _insert_payments(self, c, payments: Iterable[Payment], batch_id: int | None,
                         who: str) -> None:
        stamp = now_iso()
        c.executemany(
            "INSERT INTO payment (reference, account_no, paid_on, amount, source, reason, "
            "batch_id, who, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(p.reference, p.account_no, p.paid_on.isoformat(), _money(p.amount), p.source,
              p.reason, batch_id, who, stamp) for p in payments])

    # --- contacts -------------------------------------------------------------------------
    def contacts(self, account_no: str) -> list[Contact]:
        """The account's contacts, newest first."""
        return [_contact(r) for r in self.conn.execute(
            f"SELECT {_CONTACT_COLS} FROM contact WHERE account_no = ? ORDER BY at DESC, id DESC",
            (account_no,))]

    def check_contact(self, contact: Contact) -> list[ContactProblem]:
        if contact.channel not in CHANNELS:
            raise InputError(tr("cycle.error.bad_channel", channel=contact.channel,
                                known=", ".join(CHANNELS)))
        if contact.result not in RESULTS:
            raise InputError(tr("cycle.error.bad_result", result=contact.result,
                                known=", ".join(RESULTS)))
        return contact_problems(contact, self.contacts(contact.account_no), self.settings)

    def add_contact(self, contact: Contact) -> Contact:
        """Record a contact; refused (:class:`ContactRefused`) when it breaks the contact
        rules and ``contact.consent`` is not set."""
        if self.store.account(contact.account_no) is None:
            raise NotFound(tr("cycle.error.no_account", account=contact.account_no))
        problems = self.check_contact(contact)
        if problems and not contact.consent:
            raise ContactRefused(problems)
        with self.store.transaction() as c:
            new_id = c.execute(
                "INSERT INTO contact (account_no, channel, at, who, result, note, consent, "
                "visit_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)",
                (contact.account_no, contact.channel, contact.at.replace(tzinfo=None).isoformat(),
                 contact.who, contact.result, contact.note, int(contact.consent), now_iso())
            ).lastrowid
        return replace(contact, id=new_id)

    def last_contacts(self, accounts: Iterable[str]) -> dict[str, Contact]:
        """The newest contact of each of these accounts (that has one)."""
        rows = _select_in(
            self.conn, f"SELECT {_CONTACT_COLS} FROM contact c WHERE c.account_no IN ({{}}) AND "
            "c.id = (SELECT c2.id FROM contact c2 WHERE c2.account_no = c.account_no "
            "ORDER BY c2.at DESC, c2.id DESC LIMIT 1)", sorted(set(accounts)))
        return {r[1]: _contact(r) for r in rows}

    # --- the worklist ---------------------------------------------------------------------
    def worklist(self, today: date, days: int | None = None, limit: int = 50
                 ) -> list[WorklistEntry]:
        """The day's worklist (``limit``: most never-contacted accounts to include).

        For today or a later day the plans' reasons come from one SQL pass over the
        ``commitment_paid`` cache (the same rules as ``core.collection.worklist``; a test
        checks both agree); for a day before some recorded payment, every account is
        allocated again as of that day."""
        self.refresh()
        self._cache_in_step()
        days = self.settings.worklist_due_days if days is None else days
        follow_ups = [
            FollowUpDue(r[0], r[1], date.fromisoformat(r[2]), r[3]) for r in self.conn.execute(
                "SELECT f.account_no, f.visit_id, f.due_on, f.channel FROM follow_up f "
                "WHERE f.due_on <= ? AND NOT EXISTS (SELECT 1 FROM contact c WHERE "
                "c.account_no = f.account_no AND substr(c.at, 1, 10) >= f.due_on "
                "AND (c.visit_id IS NULL OR c.visit_id != f.visit_id))",
                (today.isoformat(),))]
        # Ranked in SQL (floats are fine for an order); the amounts shown are Decimal sums.
        never = [NeverContacted(r[0], sum(map(Decimal, r[1:5]), ZERO), r[5] or 0)
                 for r in self.conn.execute(
            "SELECT a.account_no, a.principal, a.interest, a.late_fee, a.other_fees, "
            "a.overdue_days FROM account a WHERE NOT EXISTS (SELECT 1 FROM contact c WHERE c.account_no = "
            "a.account_no) ORDER BY (CAST(a.principal AS REAL) + CAST(a.interest AS REAL) + "
            "CAST(a.late_fee AS REAL) + CAST(a.other_fees AS REAL)) * max(coalesce("
            "a.overdue_days, 1), 1) DESC, a.account_no LIMIT ?", (limit,))]
        latest = self.conn.execute("SELECT max(paid_on) FROM payment").fetchone()[0]
        if latest is not None and date.fromisoformat(latest) > today:
            reasons = plan_reasons(today, days, self.allocations(today))
        else:
            reasons = self._plan_reasons(today, days)
        listed = set(reasons) | {f.account_no for f in follow_ups}
        return assemble(today, reasons, follow_ups, never, self.last_contacts(listed))

    def _plan_reasons(self, today: date, days: int) -> dict[str, list[Reason]]:
        """``core.collection.worklist.plan_reasons`` in SQL, over the paid cache."""
        rules = rules_of(self.settings)
        rows = self.conn.execute(_PLAN_REASONS_SQL, {
            "today": today.toordinal(), "horizon": today.toordinal() + days,
            "grace": rules.grace_days}).fetchall()
        reasons: dict[str, list[Reason]] = {}

        def reason(code: str, account_no: str, plan_id: str, pick: str) -> None:
            due, n, amount, paid = pick.split("|")
            reasons.setdefault(account_no, []).append(Reason(
                code, date.fromisoformat(due), Decimal(amount) - Decimal(paid),
                plan_id if code == "broken_plan" else f"{plan_id}-{int(n)}"))

        for plan_id, account_no, max_late, overdue, first_late, first_open, next_soon in rows:
            broken = max_late > rules.broken_days_late or overdue >= rules.broken_missed
            if broken:
                reason("broken_plan", account_no, plan_id, first_late or first_open)
            elif first_late:
                reason("missed", account_no, plan_id, first_late)
            if next_soon and not broken:
                reason("due_soon", account_no, plan_id, next_soon)
        return reasons


# Per open plan: the largest lateness (days past due beyond the grace, of open commitments as of
# today and of commitments paid in full late), how many open commitments are late, and the
# first late, first open and first due-soon commitment as ``due_date|n|amount|paid`` (the
# smallest text is the earliest: dates are ISO, n is zero-padded). The same rules as
# ``core.collection.commitments.commitment_status`` and ``worklist.plan_reasons``.
_PLAN_REASONS_SQL = """
SELECT plan_id, account_no, max(late), sum(late > 0 AND full_day IS NULL),
       min(CASE WHEN late > 0 AND full_day IS NULL THEN pick END),
       min(CASE WHEN full_day IS NULL THEN pick END),
       min(CASE WHEN late = 0 AND full_day IS NULL AND due_day BETWEEN :today AND :horizon
                THEN pick END) AS soon
FROM (SELECT plan_id, account_no, full_day, due_day,
             due_date || '|' || printf('%04d', n) || '|' || amount || '|' || paid AS pick,
             CASE WHEN full_day IS NOT NULL THEN late_days
                  WHEN :today > due_day + :grace THEN :today - due_day
                  ELSE 0 END AS late
      FROM commitment_paid
      -- open commitments, and those paid in full after their grace: no other row can put
      -- a plan on the list (a plan with no open row is completed)
      WHERE full_day IS NULL OR late_days > :grace)
GROUP BY plan_id
HAVING count(full_day) < count(*) AND (max(late) > 0 OR soon IS NOT NULL)
"""
