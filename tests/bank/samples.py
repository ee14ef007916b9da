"""Small bank files written into tmp_path: CAMT.053 (two namespace versions), MT940, CSV."""

from __future__ import annotations

from pathlib import Path

_ENTRY = """
      <Ntry><Amt Ccy="EUR">{amt}</Amt><CdtDbtInd>{cd}</CdtDbtInd><Sts>{sts}</Sts>
        <BookgDt><Dt>2026-01-12</Dt></BookgDt><ValDt><Dt>2026-01-12</Dt></ValDt>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>{e2e}</EndToEndId></Refs>
          <RltdPties>{party}</RltdPties>
          <RmtInf><Ustrd>{text}</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>"""


def _party(name: str, iban: str, role: str, version: int) -> str:
    if not name and not iban:
        return ""
    who = f"<Nm>{name}</Nm>" if version < 8 else f"<Pty><Nm>{name}</Nm></Pty>"
    acct = f"<{role}Acct><Id><IBAN>{iban}</IBAN></Id></{role}Acct>" if iban else ""
    return f"<{role}>{who}</{role}>{acct}"


ENTRIES = [
    ("980.00", "CRDT", "Adatum Corp", "DE89370400440532013000", "Payment INV-1001 thanks", "E2E-1"),
    ("750.00", "CRDT", "Trey Research", "", "INV-1002 / INV-1003", "NOTPROVIDED"),
    ("777.00", "CRDT", "FABRIKM INC", "", "Transfer", "NOTPROVIDED"),
    ("12.50", "DBIT", "", "", '=HYPERLINK("x") MyBank fee March', "NOTPROVIDED"),
    ("5.00", "CRDT", "", "", "Interest June", "NOTPROVIDED"),
]


def camt053(path: Path, *, version: int = 2, closing: str = "7499.50", entries=ENTRIES) -> Path:
    ns = f"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version:02d}"
    body = "".join(_ENTRY.format(amt=a, cd=cd, sts="BOOK" if version < 8 else "<Cd>BOOK</Cd>", e2e=e2e,
                                 party=_party(n, i, "Dbtr" if cd == "CRDT" else "Cdtr", version),
                                 text=t.replace("&", "&amp;").replace("<", "&lt;"))
                   for a, cd, n, i, t, e2e in entries)
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{ns}"><BkToCstmrStmt>
  <GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-01-12T18:00:00</CreDtTm></GrpHdr>
  <Stmt><Id>STMT-1</Id><ElctrncSeqNb>1</ElctrncSeqNb>
    <Acct><Id><IBAN>DE02100100100006820101</IBAN></Id><Ccy>EUR</Ccy></Acct>
    <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">5000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
      <Dt><Dt>2026-01-11</Dt></Dt></Bal>
    <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{closing}</Amt><CdtDbtInd>CRDT</CdtDbtInd>
      <Dt><Dt>2026-01-12</Dt></Dt></Bal>{body}
  </Stmt></BkToCstmrStmt></Document>"""
    path.write_text(xml, encoding="utf-8")
    return path


def mt940(path: Path, *, closing: str = "5987,50") -> Path:
    path.write_text(f""":20:STARTUMSE
:25:10010010/6820101
:28C:00001/001
:60F:C260111EUR5000,00
:61:2601120112CR1000,00NTRFNONREF//B1
:86:166?00GUTSCHRIFT?20INV-1001 thanks?30COBADEFFXXX?31DE89370400440532013000?32ADATUM CORPORATION
:61:2601120112DR12,50NCHGNONREF
:86:805?00ENTGELT?20MyBank fee
:62F:C260112EUR{closing}
-
""", encoding="utf-8")
    return path


def csv_statement(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    text = "Buchungstag;Betrag;Name;Verwendungszweck\n" + "".join(";".join(r) + "\n" for r in rows)
    path.write_text(text, encoding="utf-8")
    return path
