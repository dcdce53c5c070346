"""Language names from the ISO 639-2 codes some databases write (PubMed ``LA - eng``)."""

from __future__ import annotations

# The codes met most often in bibliographic exports; others are kept as given.
ISO_639_2 = {
    "eng": "English",
    "fre": "French",
    "fra": "French",
    "ger": "German",
    "deu": "German",
    "spa": "Spanish",
    "ita": "Italian",
    "por": "Portuguese",
    "dut": "Dutch",
    "nld": "Dutch",
    "jpn": "Japanese",
    "chi": "Chinese",
    "zho": "Chinese",
    "rus": "Russian",
    "pol": "Polish",
    "kor": "Korean",
    "swe": "Swedish",
    "dan": "Danish",
    "nor": "Norwegian",
    "fin": "Finnish",
    "cze": "Czech",
    "ces": "Czech",
    "hun": "Hungarian",
    "tur": "Turkish",
    "gre": "Greek",
    "ell": "Greek",
    "heb": "Hebrew",
    "ara": "Arabic",
    "per": "Persian",
    "fas": "Persian",
    "ukr": "Ukrainian",
    "hrv": "Croatian",
    "slv": "Slovenian",
    "srp": "Serbian",
    "rum": "Romanian",
    "ron": "Romanian",
    "bul": "Bulgarian",
    "lit": "Lithuanian",
    "ice": "Icelandic",
    "isl": "Icelandic",
    "cat": "Catalan",
    "afr": "Afrikaans",
    "und": "Undetermined",
}


def language_name(value: str) -> str:
    """``eng`` -> ``English``; a name or an unknown code is returned as given (stripped).

    :param value: a language code or name.
    """
    value = value.strip()
    return ISO_639_2.get(value.lower(), value)
