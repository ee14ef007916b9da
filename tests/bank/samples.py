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


def bai2(path: Path, *, closing: str = "671750", details: list[tuple[str, str, str, str]] | None = None,
         currency: str = "EUR", as_of: str = "260110") -> Path:
    """A BAI2 file: one group, one account; details are (type code, cents, bank ref, text).

    Record counts and control totals are computed as a bank does; ``closing`` (cents) may
    be set wrong to test the balance check.
    """
    details = details if details is not None else [
        ("195", "98000", "BR0001", "INV-1001 Adatum Corporation"),
        ("175", "75000", "BR0002", "Trey Research INV-1002 INV-1003"),
        ("475", "1250", "BR0003", "MyBank fee March"),
    ]
    acct = [f"03,DE12500105170648489890,{currency},010,500000,,,015,{closing},,/"]
    acct += [f"16,{code},{cents},Z,{ref},,{text}/" for code, cents, ref, text in details]
    total = 500000 + int(closing) + sum(int(c) for _, c, _, _ in details)
    acct.append(f"49,{total},{len(acct) + 1}/")
    group = [f"02,XLAR,BANKID,1,{as_of},,{currency},2/", *acct, f"98,{total},1,{len(acct) + 2}/"]
    rows = ["01,BANKID,XLAR,260111,0800,1,,,2/", *group, f"99,{total},1,{len(group) + 2}/"]
    path.write_text("\n".join(rows) + "\n")
    return path


def ofx(path: Path, *, fitids: tuple[str, str, str] = ("F1", "F2", "F3")) -> Path:
    """An OFX 1.02 (SGML) bank statement with three transactions and the ledger balance."""
    txs = [("CREDIT", "20260110", "980.00", fitids[0], "Adatum Corporation", "Payment INV-1001"),
           ("CREDIT", "20260111", "750.00", fitids[1], "Trey Research Ltd", "INV-1002 INV-1003"),
           ("FEE", "20260111", "-12.50", fitids[2], "MyBank", "fee March")]
    body = "".join(f"<STMTTRN><TRNTYPE>{t}<DTPOSTED>{d}<TRNAMT>{a}<FITID>{f}<NAME>{n}<MEMO>{m}</STMTTRN>\n"
                   for t, d, a, f, n, m in txs)
    path.write_text(
        "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\n"
        "COMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n<OFX>\n"
        "<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20260112"
        "<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1>\n<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0"
        "<SEVERITY>INFO</STATUS>\n<STMTRS><CURDEF>EUR<BANKACCTFROM><BANKID>50010517<ACCTID>0648489890"
        "<ACCTTYPE>CHECKING</BANKACCTFROM>\n<BANKTRANLIST><DTSTART>20260101<DTEND>20260111\n" + body +
        "</BANKTRANLIST>\n<LEDGERBAL><BALAMT>6717.50<DTASOF>20260111</LEDGERBAL>\n"
        "</STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n")
    return path
