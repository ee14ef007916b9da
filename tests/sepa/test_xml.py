"""pain.008 files validate against the official ISO 20022 schemas.

The XSDs are the ones the ``sepaxml`` package ships (``sepaxml/schemas``, copied from the
ISO 20022 message archive); ``sepaxml`` is a test dependency only (the ``dev`` extra).
"""

from __future__ import annotations

from datetime import date, datetime
from importlib import resources

import pytest
from lxml import etree

from tests.sepa.helpers import CREDITOR, book, mandate
from xlar.book.sepa_xml import VERSIONS, pain008
from xlar.core.sepa import MandateType, create_collection

NOW = datetime(2024, 1, 30, 9, 15, 0)


def schema(version: str) -> etree.XMLSchema:
    xsd = resources.files("sepaxml") / "schemas" / f"{version}.xsd"
    return etree.XMLSchema(etree.parse(str(xsd)))


def collection():
    b = book(("C1", "INV-1", "2024-01-20", "500.00"), ("C1", "INV-2", "2024-01-25", "20.10"),
             ("C2", "INV-3", "2024-01-25", "99.99"), ("C3", "INV-4", "2024-01-25", "1.00"),
             customers=("C1", "C2", "C3"))
    b = b.__class__(**{**{f: getattr(b, f) for f in b.__dataclass_fields__},
                       "customers": (b.customers[0], b.customers[1].__class__(customer_no="C2",
                                                                              name="Müller & Söhne <GmbH>"),
                                     b.customers[2])})
    ms = [mandate(), mandate("M-2", "C2", type=MandateType.ONE_OFF, bic=""),
          mandate("M-3", "C3", debits_made=1, expected_debits=0)]
    return create_collection(b, ms, date(2024, 1, 31), collection_id="DD0001")


@pytest.mark.parametrize("version", VERSIONS)
def test_pain008_validates_against_the_official_xsd(version: str) -> None:
    col = collection()
    xml = pain008(CREDITOR, col.entries, message_id="DD0001", created=NOW, version=version)
    doc = etree.fromstring(xml)
    s = schema(version)
    assert s.validate(doc), s.error_log
    ns = {"p": f"urn:iso:std:iso:20022:tech:xsd:{version}"}
    assert doc.findtext("p:CstmrDrctDbtInitn/p:GrpHdr/p:NbOfTxs", namespaces=ns) == "4"
    assert doc.findtext("p:CstmrDrctDbtInitn/p:GrpHdr/p:CtrlSum", namespaces=ns) == "621.09"
    seqs = [e.text for e in doc.iterfind(".//p:PmtInf/p:PmtTpInf/p:SeqTp", namespaces=ns)]
    assert seqs == ["FRST", "RCUR", "OOFF"]
    assert doc.findtext(".//p:CdtrSchmeId//p:Othr/p:Id", namespaces=ns) == "DE98ZZZ09999999999"
    e2e = [e.text for e in doc.iterfind(".//p:EndToEndId", namespaces=ns)]
    assert e2e == ["DD0001/1", "DD0001/2", "DD0001/4", "DD0001/3"]
    assert "<Nm>Muller + Sohne GmbH</Nm>" in xml.decode()  # EPC Latin character set


def test_unknown_version_is_refused() -> None:
    with pytest.raises(ValueError, match="pain.008.001.02"):
        pain008(CREDITOR, (), message_id="X", created=NOW, version="pain.008.001.99")
