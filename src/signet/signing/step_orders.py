"""PandaDoc's signing order: equal ``signing_order`` values form one parallel step
(docs/compat/pandadoc.md#signing-order).

Firma's orders are compacted to 1..n; PandaDoc's are kept as given, so ``service.active_step``
(lowest pending order, all equal orders together) runs them as parallel steps. The domain does
either (``DraftSpec.steps_as_given``, ``validation.compact_orders``); the Firma face shows the
raw numbers. See ``docs/states.md``.
"""

from __future__ import annotations

Problems = list[tuple[str, str]]


def check_orders(orders: list[int | None], acting: list[bool]) -> tuple[bool, Problems]:
    """Whether signing order is on (any acting recipient has one), and what is wrong.

    Orders must be given for every Signer/Approver or for none; each is 1 or greater.
    """
    problems: Problems = []
    given = [o for o, a in zip(orders, acting, strict=True) if a and o is not None]
    missing = [i for i, (o, a) in enumerate(zip(orders, acting, strict=True)) if a and o is None]
    if given and missing:
        for i in missing:
            problems.append(
                (f"recipients[{i}].signing_order", "set signing_order for every signer or none")
            )
    for i, o in enumerate(orders):
        if o is not None and o < 1:
            problems.append((f"recipients[{i}].signing_order", "must be 1 or greater"))
    return bool(given), problems
