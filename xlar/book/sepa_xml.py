"""pain.008 direct debit initiation files (ISO 20022, EPC SEPA rulebook), written with lxml.

``pain.008.001.02`` is the version BC writes (xmlport 1010); ``pain.008.001.08`` the
current EPC one. The two differ in this subset only by the bank identifier element
(``BIC`` → ``BICFI``). One ``PmtInf`` per (collection date, sequence type) batch
(:func:`xlar.core.sepa.batches`), one ``DrctDbtTxInf`` per debit; the EndToEndId is the
BC Transaction ID ``<collection>/<entry no.>``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from lxml import etree

from xlar.core.money import ZERO
from xlar.core.sepa import Creditor, DebitEntry, batches

VERSIONS = ("pain.008.001.02", "pain.008.001.08")
#: characters the EPC allows in text fields (the "SEPA Latin" subset)
_NOT_LATIN = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")


def _text(value: str, limit: int) -> str:
    """Text as the EPC allows it: accents dropped, ``&`` as ``+``, other signs as blanks, trimmed."""
    value = unicodedata.normalize("NFKD", value.replace("ß", "ss").replace("&", "+"))
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    clean = " ".join(_NOT_LATIN.sub(" ", value).split()) or "NOTPROVIDED"
    return clean[:limit].strip()


def _amount(d: Decimal) -> str:
    return f"{d:.2f}"


def pain008(creditor: Creditor, entries: Sequence[DebitEntry], *, message_id: str, created: datetime,
            version: str = "pain.008.001.02") -> bytes:
    """The XML document for ``entries`` (all of one collection), UTF-8 encoded."""
    if version not in VERSIONS:
        raise ValueError(f"unknown pain.008 version {version!r}; use one of {', '.join(VERSIONS)}")
    ns = f"urn:iso:std:iso:20022:tech:xsd:{version}"
    bic_tag = "BIC" if version == "pain.008.001.02" else "BICFI"
    q = lambda tag: f"{{{ns}}}{tag}"

    def sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
        el = etree.SubElement(parent, q(tag), **attrs)
        if text is not None:
            el.text = text
        return el

    def path(parent: etree._Element, tags: str, text: str | None = None) -> etree._Element:
        *head, last = tags.split("/")
        for t in head:
            parent = sub(parent, t)
        return sub(parent, last, text)

    def agent(parent: etree._Element, tag: str, bic: str) -> None:
        fin = path(parent, f"{tag}/FinInstnId")
        if bic:
            sub(fin, bic_tag, bic)
        else:  # IBAN-only (allowed within the EEA since 2016)
            path(fin, "Othr/Id", "NOTPROVIDED")

    root = etree.Element(q("Document"), nsmap={None: ns})
    init = sub(root, "CstmrDrctDbtInitn")
    hdr = sub(init, "GrpHdr")
    sub(hdr, "MsgId", _text(message_id, 35))
    sub(hdr, "CreDtTm", created.replace(microsecond=0).isoformat())
    sub(hdr, "NbOfTxs", str(len(entries)))
    sub(hdr, "CtrlSum", _amount(sum((e.amount for e in entries), ZERO)))
    path(hdr, "InitgPty/Nm", _text(creditor.name, 70))
    for n, ((day, seq), group) in enumerate(batches(entries), start=1):
        pmt = sub(init, "PmtInf")
        sub(pmt, "PmtInfId", _text(f"{message_id}-{n}", 35))
        sub(pmt, "PmtMtd", "DD")
        sub(pmt, "BtchBookg", "true")
        sub(pmt, "NbOfTxs", str(len(group)))
        sub(pmt, "CtrlSum", _amount(sum((e.amount for e in group), ZERO)))
        tp = sub(pmt, "PmtTpInf")
        path(tp, "SvcLvl/Cd", "SEPA")
        path(tp, "LclInstrm/Cd", creditor.local_instrument)
        sub(tp, "SeqTp", seq.value)
        sub(pmt, "ReqdColltnDt", day.isoformat())
        path(pmt, "Cdtr/Nm", _text(creditor.name, 70))
        path(pmt, "CdtrAcct/Id/IBAN", creditor.iban.replace(" ", "").upper())
        agent(pmt, "CdtrAgt", creditor.bic.strip().upper())
        sub(pmt, "ChrgBr", "SLEV")
        othr = path(pmt, "CdtrSchmeId/Id/PrvtId/Othr")
        sub(othr, "Id", creditor.creditor_id.replace(" ", "").upper())
        path(othr, "SchmeNm/Prtry", "SEPA")
        for e in group:
            tx = sub(pmt, "DrctDbtTxInf")
            pid = sub(tx, "PmtId")
            sub(pid, "InstrId", _text(e.transaction_id, 35))
            sub(pid, "EndToEndId", _text(e.transaction_id, 35))
            sub(tx, "InstdAmt", _amount(e.amount), Ccy=e.currency)
            mnd = path(tx, "DrctDbtTx/MndtRltdInf")
            sub(mnd, "MndtId", _text(e.mandate_id, 35))
            sub(mnd, "DtOfSgntr", e.signature_date.isoformat())
            agent(tx, "DbtrAgt", e.bic)
            path(tx, "Dbtr/Nm", _text(e.customer_name, 70))
            path(tx, "DbtrAcct/Id/IBAN", e.iban)
            path(tx, "RmtInf/Ustrd", _text(f"{e.document_no} {e.customer_no}", 140))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
