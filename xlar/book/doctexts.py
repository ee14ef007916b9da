"""The words on customer documents (statements, reminders, finance charge memos) and their e-mails.

One small catalogue: text key -> {language: text}. English is complete and is the
fallback; a language is used for a key when it has the key. ``{name}`` fields are filled
by ``str.format``. To add a language, add its column to every entry (a test checks that
every language here has every key) and its codes to :data:`LOCALES`.

A customer's ``Language Code`` may be Business Central's (``ENU``, ``SVE``, ``DEU`` ...)
or an ISO / Babel locale (``en``, ``sv``, ``de-AT``, ``sv_SE``); :func:`locale_of` turns
either into the Babel locale that formats dates and amounts, and :func:`language_of` into
the catalogue language.
"""

from __future__ import annotations

#: Business Central language codes (Windows three-letter codes) -> Babel locale
BC_LANGUAGES: dict[str, str] = {
    "ENU": "en_US", "ENG": "en_GB", "ENA": "en_AU", "ENC": "en_CA", "ENZ": "en_NZ", "ENI": "en_IE",
    "SVE": "sv_SE", "SVF": "sv_FI",
    "DEU": "de_DE", "DEA": "de_AT", "DES": "de_CH",
    "FRA": "fr_FR", "FRB": "fr_BE", "FRC": "fr_CA", "FRS": "fr_CH",
    "NLD": "nl_NL", "NLB": "nl_BE", "ITA": "it_IT", "ESP": "es_ES", "DAN": "da_DK", "NOR": "nb_NO",
    "FIN": "fi_FI", "ISL": "is_IS", "CSY": "cs_CZ", "PLK": "pl_PL", "RUS": "ru_RU", "PTG": "pt_PT",
    "PTB": "pt_BR",
}

#: catalogue languages (the default first)
LANGUAGES = ("en", "sv", "de")
DEFAULT = "en"

TEXTS: dict[str, dict[str, str]] = {
    # document titles and header fields
    "statement": {"en": "Statement", "sv": "Kontoutdrag", "de": "Kontoauszug"},
    "reminder": {"en": "Reminder", "sv": "Betalningspåminnelse", "de": "Mahnung"},
    "finance_charge_memo": {"en": "Finance Charge Memo", "sv": "Räntefaktura", "de": "Zinsrechnung"},
    "draft": {"en": "Draft, not issued", "sv": "Utkast, ej utfärdad", "de": "Entwurf, nicht ausgestellt"},
    "customer_no": {"en": "Customer No.", "sv": "Kundnr", "de": "Kundennr."},
    "statement_date": {"en": "Statement date", "sv": "Datum", "de": "Datum"},
    "period": {"en": "Period", "sv": "Period", "de": "Zeitraum"},
    "period_range": {"en": "{start} to {end}", "sv": "{start} – {end}", "de": "{start} bis {end}"},
    "currency": {"en": "Currency", "sv": "Valuta", "de": "Währung"},
    "reminder_no": {"en": "Reminder No.", "sv": "Påminnelsenr", "de": "Mahnungsnr."},
    "memo_no": {"en": "Memo No.", "sv": "Räntefakturanr", "de": "Zinsrechnungsnr."},
    "level": {"en": "Reminder level", "sv": "Påminnelsenivå", "de": "Mahnstufe"},
    "document_date": {"en": "Document date", "sv": "Dokumentdatum", "de": "Belegdatum"},
    "due_date_head": {"en": "Due date", "sv": "Förfallodatum", "de": "Fälligkeitsdatum"},
    "page": {"en": "Page {page} of {pages}", "sv": "Sida {page} av {pages}", "de": "Seite {page} von {pages}"},
    # table headings
    "col_date": {"en": "Date", "sv": "Datum", "de": "Datum"},
    "col_posting_date": {"en": "Posting Date", "sv": "Bokf.datum", "de": "Buchungsdatum"},
    "col_type": {"en": "Document Type", "sv": "Dokumenttyp", "de": "Belegart"},
    "col_no": {"en": "Document No.", "sv": "Dokumentnr", "de": "Belegnr."},
    "col_description": {"en": "Description", "sv": "Beskrivning", "de": "Beschreibung"},
    "col_due": {"en": "Due Date", "sv": "Förfallodatum", "de": "Fälligkeit"},
    "col_amount": {"en": "Amount", "sv": "Belopp", "de": "Betrag"},
    "col_balance": {"en": "Balance", "sv": "Saldo", "de": "Saldo"},
    "col_original": {"en": "Original Amount", "sv": "Urspr. belopp", "de": "Ursprungsbetrag"},
    "col_remaining": {"en": "Remaining Amount", "sv": "Återstående", "de": "Restbetrag"},
    "col_interest": {"en": "Interest", "sv": "Ränta", "de": "Zinsen"},
    "col_level": {"en": "Level", "sv": "Nivå", "de": "Stufe"},
    # statement lines and footer
    "opening": {"en": "Opening balance", "sv": "Ingående saldo", "de": "Anfangssaldo"},
    "brought_forward": {"en": "Balance brought forward", "sv": "Överfört saldo", "de": "Saldovortrag"},
    "closing": {"en": "Closing balance", "sv": "Utgående saldo", "de": "Endsaldo"},
    "applied": {"en": "Applied: {a} to {b}", "sv": "Utjämnad: {a} mot {b}", "de": "Ausgleich: {a} mit {b}"},
    "unapplied": {"en": "Unapplied: {a} to {b}", "sv": "Utjämning återförd: {a} mot {b}",
                  "de": "Ausgleich aufgehoben: {a} mit {b}"},
    "aging": {"en": "Aging as of {date}", "sv": "Åldersfördelning per {date}", "de": "Fälligkeiten zum {date}"},
    "not_due": {"en": "Not due", "sv": "Ej förfallet", "de": "Nicht fällig"},
    "days": {"en": "{lo}-{hi} days", "sv": "{lo}–{hi} dagar", "de": "{lo}–{hi} Tage"},
    "over_days": {"en": "Over {n} days", "sv": "Över {n} dagar", "de": "Über {n} Tage"},
    "total": {"en": "Total", "sv": "Totalt", "de": "Summe"},
    # reminder and memo totals
    "sum_remaining": {"en": "Remaining amounts", "sv": "Återstående belopp", "de": "Restbeträge"},
    "interest": {"en": "Interest", "sv": "Ränta", "de": "Zinsen"},
    "fee": {"en": "Additional fee", "sv": "Avgift", "de": "Gebühr"},
    "total_due": {"en": "Total due", "sv": "Att betala", "de": "Zu zahlender Betrag"},
    "reminder_intro": {
        "en": "According to our records the following amounts are overdue. If you have already paid, please "
              "disregard this reminder.",
        "sv": "Enligt vår bokföring är följande belopp förfallna till betalning. Om du redan har betalat kan du "
              "bortse från denna påminnelse.",
        "de": "Nach unserer Buchhaltung sind die folgenden Beträge überfällig. Sollten Sie bereits gezahlt haben, "
              "betrachten Sie diese Mahnung bitte als gegenstandslos."},
    "memo_intro": {
        "en": "We charge interest on the following overdue amounts.",
        "sv": "Vi debiterar dröjsmålsränta på följande förfallna belopp.",
        "de": "Für die folgenden überfälligen Beträge berechnen wir Verzugszinsen."},
    # payment instructions
    "pay_by": {"en": "Please pay {amount} by {date}.", "sv": "Vänligen betala {amount} senast {date}.",
               "de": "Bitte zahlen Sie {amount} bis zum {date}."},
    "pay_overdue": {"en": "Please pay the overdue amount of {amount} now.",
                    "sv": "Vänligen betala det förfallna beloppet {amount} snarast.",
                    "de": "Bitte zahlen Sie den überfälligen Betrag von {amount} umgehend."},
    "no_payment": {"en": "Nothing is overdue.", "sv": "Inget belopp är förfallet.", "de": "Es ist nichts überfällig."},
    "credit_balance": {"en": "You have a credit balance of {amount}.",
                       "sv": "Du har ett tillgodohavande på {amount}.",
                       "de": "Sie haben ein Guthaben von {amount}."},
    "pay_to": {"en": "Bank details", "sv": "Bankuppgifter", "de": "Bankverbindung"},
    "reference": {"en": "Reference", "sv": "Referens", "de": "Verwendungszweck"},
    "quote": {"en": "Please quote the reference with your payment.", "sv": "Ange referensen vid betalning.",
              "de": "Bitte geben Sie den Verwendungszweck bei der Zahlung an."},
    "bank": {"en": "Bank", "sv": "Bank", "de": "Bank"},
    "vat_reg_no": {"en": "VAT Reg. No.", "sv": "Momsreg.nr", "de": "USt-IdNr."},
    "phone": {"en": "Phone", "sv": "Telefon", "de": "Telefon"},
    "email": {"en": "E-mail", "sv": "E-post", "de": "E-Mail"},
    # document types (Ledger values)
    "Invoice": {"en": "Invoice", "sv": "Faktura", "de": "Rechnung"},
    "Payment": {"en": "Payment", "sv": "Betalning", "de": "Zahlung"},
    "Credit Memo": {"en": "Credit Memo", "sv": "Kreditnota", "de": "Gutschrift"},
    "Refund": {"en": "Refund", "sv": "Återbetalning", "de": "Erstattung"},
    "Reminder": {"en": "Reminder", "sv": "Påminnelse", "de": "Mahnung"},
    "Finance Charge Memo": {"en": "Finance Charge Memo", "sv": "Räntefaktura", "de": "Zinsrechnung"},
    "Application": {"en": "Application", "sv": "Utjämning", "de": "Ausgleich"},
    "Adjustment": {"en": "Adjustment", "sv": "Justering", "de": "Korrektur"},
    # the e-mail
    "mail_subject": {"en": "{company}: {documents} as of {date}", "sv": "{company}: {documents} per {date}",
                     "de": "{company}: {documents} zum {date}"},
    "mail_greeting": {"en": "Dear Sir or Madam,", "sv": "Hej,", "de": "Sehr geehrte Damen und Herren,"},
    "mail_attached": {"en": "please find attached:", "sv": "bifogat finner du:", "de": "anbei erhalten Sie:"},
    "mail_questions": {"en": "If you have any questions, please reply to this e-mail.",
                       "sv": "Har du frågor är du välkommen att svara på detta e-postmeddelande.",
                       "de": "Bei Fragen antworten Sie bitte einfach auf diese E-Mail."},
    "mail_closing": {"en": "Kind regards", "sv": "Med vänliga hälsningar", "de": "Mit freundlichen Grüßen"},
    "and": {"en": "and", "sv": "och", "de": "und"},
}


def language_of(code: str) -> str:
    """The catalogue language for a ``Language Code`` (BC or ISO), else the default (English)."""
    loc = locale_of(code)
    lang = loc.split("_")[0] if loc else ""
    return lang if lang in LANGUAGES else DEFAULT


def locale_of(code: str) -> str:
    """The Babel locale for a ``Language Code``: ``SVE`` -> ``sv_SE``, ``de-AT`` -> ``de_AT``, ``sv`` -> ``sv_SE``;
    ``''`` for a blank or unknown code."""
    from babel import Locale, UnknownLocaleError

    text = (code or "").strip()
    if not text:
        return ""
    bc = BC_LANGUAGES.get(text.upper())
    if bc:
        return bc
    try:
        loc = Locale.parse(text.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return ""
    if loc.territory is None:  # sv -> sv_SE, de -> de_DE: the language's most likely territory formats
        from babel.core import get_global

        sub = str(get_global("likely_subtags").get(loc.language, ""))
        parts = [p for p in sub.split("_") if len(p) != 4]  # without the script (Latn)
        return "_".join(parts) if len(parts) == 2 else str(loc)
    return str(loc)


def text(key: str, language: str, **fields: object) -> str:
    """The text ``key`` in ``language`` (English when it has none), with ``fields`` filled in."""
    row = TEXTS[key]
    s = row.get(language) or row[DEFAULT]
    return s.format(**fields) if fields else s
