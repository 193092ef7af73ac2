"""Writes the SKU/barcode test vectors (JSON on stdout) from python-stdnum, our independent oracle.

Every GTIN / ISBN / ISSN verdict and check digit below comes from python-stdnum. Where pos_core's
documented rules (docs/sku.md) deliberately differ from stdnum, the vector says so in `differs`
(the rule's name), and the Rust test asserts that the difference is exactly that one.

Kinds stdnum does not cover (UPC-E expansion, PLU ranges, variable-measure layouts) are computed
here from the published tables (GS1 General Specifications, IFPS), with stdnum's check digit.

Run through make_vectors.sh, which builds the venv.
"""
import json
import random
import re
import unicodedata

import stdnum
from stdnum import ean, isbn, issn
from stdnum.exceptions import ValidationError

rng = random.Random(20261129)
vectors = []


def digits(n):
    return "".join(rng.choice("0123456789") for _ in range(n))


def with_check(data):
    return data + ean.calc_check_digit(data)


# --- what stdnum says ---------------------------------------------------------------------

def stdnum_gtin(raw):
    """stdnum's verdict on a GTIN-ish input: (valid, gtin14 or None)."""
    try:
        return True, ean.validate(raw).zfill(14)
    except ValidationError:
        pass
    try:
        return True, ean.validate(isbn.to_isbn13(isbn.validate(raw))).zfill(14)
    except ValidationError:
        pass
    if re.fullmatch(r"\s*\d{4}-\d{3}[\dXx]\s*", raw):
        try:
            return True, issn.to_ean(issn.validate(raw)).zfill(14)
        except ValidationError:
            pass
    return False, None


# --- our documented clean-up rules (docs/sku.md), written independently of the Rust code -----

SEPARATORS = set(" \t\u00a0\u2007\u202f\u3000-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0d")


def lenient_clean(raw):
    """Returns (digits, why) or raises ValueError(category)."""
    s = raw.strip()
    if s.startswith("'"):
        s = s[1:]
    if re.fullmatch(r"\d[\d.,]*[eE]\+?\d+", s):
        raise ValueError("scientific")
    m = re.fullmatch(r"(.+)\.0+", s)
    if m:
        s = m.group(1)
    out = []
    for c in s:
        if "0" <= c <= "9":
            out.append(c)
        elif "\uff10" <= c <= "\uff19":
            out.append(chr(ord(c) - 0xFF10 + 48))
        elif c in SEPARATORS:
            continue
        else:
            raise ValueError("character")
    if not out:
        raise ValueError("empty")
    return "".join(out)


def ours_gtin(raw, mode):
    """Our verdict: (valid, gtin14, error category)."""
    if mode == "strict":
        if raw == "":
            return False, None, "empty"
        if not re.fullmatch(r"[0-9]+", raw):
            if re.fullmatch(r"[0-9]{9}[Xx]", raw):
                return isbn10(raw)
            return False, None, "character"
        d = raw
        if len(d) == 10:
            return isbn10(d)
        if len(d) not in (8, 12, 13, 14):
            return False, None, "length"
        return gs1(d)
    issn_shape = re.fullmatch(r"\d{4}-\d{3}[\dXx]", raw.strip())
    if issn_shape:
        try:
            return True, issn.to_ean(issn.validate(raw.strip())).zfill(14), None
        except ValidationError:
            return False, None, "mod11"
    try:
        if re.fullmatch(r"\s*[0-9\- ]{9,12}[Xx]\s*", raw):
            return isbn10(lenient_clean(raw[:-1] if raw.strip()[-1] in "Xx" else raw) + "X")
        d = lenient_clean(raw)
    except ValueError as e:
        return False, None, str(e)
    if len(d) == 10:
        as_isbn = isbn10(d)
        has_sep = any(c in SEPARATORS for c in raw.strip())
        if has_sep:
            return as_isbn
        as_gtin = d[0] != "0" and ean.is_valid(d.zfill(12))
        if as_isbn[0] and as_gtin:
            return False, None, "ambiguous"
        if as_isbn[0]:
            return as_isbn
        if as_gtin:
            return True, d.zfill(14), None
        return False, None, "check_digit"
    if len(d) in (9, 11):
        if d[0] == "0":  # a number column cannot have kept a leading zero: not lost zeros
            return False, None, "length"
        d = d.zfill(12)
    elif len(d) > 14:
        if d[: len(d) - 14].strip("0"):
            return False, None, "too_long"
        d = d[len(d) - 14:]
    if len(d) not in (8, 12, 13, 14):
        return False, None, "length"
    return gs1(d)


def gs1(d):
    return (True, d.zfill(14), None) if ean.is_valid(d) else (False, None, "check_digit")


def isbn10(d):
    try:
        return True, ean.validate(isbn.to_isbn13(isbn.validate(d))).zfill(14), None
    except ValidationError:
        return False, None, "mod11"


def add_gtin(raw, mode, rule=None):
    valid, g, err = ours_gtin(raw, mode)
    s_valid, s_g = stdnum_gtin(raw)
    differs = None
    if (valid, g) != (s_valid, s_g):
        differs = rule or "unlabelled"
    vectors.append({"fn": "gtin", "mode": mode, "input": raw, "valid": valid, "gtin14": g,
                    "error": err, "stdnum_valid": s_valid, "stdnum_gtin14": s_g, "differs": differs})


# --- GTINs of every length, valid and with every kind of single-digit error -----------------

def random_gtin(length):
    while True:
        # Avoid the ranges other kinds claim (variable measure 02/2x, PLU-like padding).
        code = with_check(digits(length - 1))
        if not code.lstrip("0").startswith("2") and len(code.lstrip("0")) > 6:
            return code


valid_codes = []
for length, n in ((8, 25), (12, 35), (13, 35), (14, 25)):
    for _ in range(n):
        code = random_gtin(length)
        valid_codes.append(code)
        add_gtin(code, "strict")

for code in valid_codes:
    # One digit changed (never caught by padding): stdnum and we both reject.
    i = rng.randrange(len(code))
    wrong = code[:i] + str((int(code[i]) + rng.randint(1, 9)) % 10) + code[i + 1:]
    add_gtin(wrong, "lenient")
    # Two adjacent digits swapped (caught unless they are equal or differ by 5).
    j = rng.randrange(len(code) - 1)
    swapped = code[:j] + code[j + 1] + code[j] + code[j + 2:]
    add_gtin(swapped, "lenient")

# --- messy spellings of valid codes ----------------------------------------------------------
upcs = [c for c in valid_codes if len(c) == 12]
for code in upcs[:12]:
    add_gtin(f"{code[0]} {code[1:6]} {code[6:11]} {code[11]}", "lenient")
    add_gtin(f"{code[0]}-{code[1:6]}-{code[6:11]}-{code[11]}", "lenient")
    add_gtin(f"  {code}\t", "lenient")
    add_gtin(f"{code[:6]}\t{code[6:]}", "lenient", "lenient: tab inside a code is a separator")
    add_gtin(f"{code}.0", "lenient", "lenient: spreadsheet .0 suffix")
    add_gtin(f"'{code}", "lenient", "lenient: spreadsheet leading apostrophe")
    add_gtin(unicodedata.normalize("NFKC", code).translate({48 + i: 0xFF10 + i for i in range(10)}),
             "lenient", "lenient: full-width digits")
    add_gtin(f"{code[:4]}\u2013{code[4:]}", "lenient")
    add_gtin(code.zfill(16), "lenient", "lenient: extra leading zeros beyond 14 dropped")
    add_gtin(f"{code} ", "strict", "strict: surrounding whitespace rejected")
    add_gtin(f"{code[:6]}-{code[6:]}", "strict", "strict: separators rejected")
    add_gtin(code.zfill(14), "lenient")

# Lost leading zeros: UPC-As that start with zeros, as a spreadsheet number column keeps them.
for _ in range(25):
    zeros = rng.choice([1, 1, 1, 2, 3])
    code = with_check("0" * zeros + "1" + digits(10 - zeros))
    add_gtin(code.lstrip("0"), "lenient", "lenient: lost leading zeros restored")
    add_gtin(code.lstrip("0"), "strict")
    add_gtin(code.lstrip("0") + ".0", "lenient", "lenient: lost leading zeros restored + .0 suffix")

# A POS that drops the check digit: number-system-0 UPC-As minus their check digit keep their
# leading zero, so they are never taken for lost zeros, and the check digit is never completed.
for _ in range(15):
    code = with_check("0" + digits(10))
    add_gtin(code[:11], "lenient")
# Without a leading zero the same 11 digits are read as lost leading zeros when the check passes
# (1 in 10): the documented residual risk of lenient mode.
for code in upcs[12:30]:
    add_gtin(code[:11], "lenient", "lenient: lost leading zeros (ambiguous with a dropped check digit)")

# Spreadsheet scientific notation, letters, wrong lengths, empty.
for code in upcs[:8]:
    sci = f"{int(code) / 10 ** (len(str(int(code))) - 1):.5f}E+{len(str(int(code))) - 1}"
    add_gtin(sci, "lenient")
    add_gtin(code[:5] + "A" + code[6:], "lenient")
    add_gtin(code[:7], "lenient")
    add_gtin(code + "12345", "lenient")
for raw in ["", "   ", "-", "N/A", "12.5", "0.0"]:
    add_gtin(raw, "lenient")

# --- ISBN and ISSN ---------------------------------------------------------------------------
for _ in range(25):
    body = digits(9)
    check = isbn._calc_isbn10_check_digit(body)
    code = body + check
    hyphened = f"{code[0]}-{code[1:4]}-{code[4:9]}-{code[9]}"
    add_gtin(hyphened, "lenient")
    add_gtin(code, "strict")
    add_gtin(code, "lenient", "lenient: ten digits valid as ISBN-10 and as GTIN with 2 lost zeros")
    add_gtin(isbn.to_isbn13(code).replace("-", ""), "strict")
    bad = body + ("0" if check != "0" else "1")
    add_gtin(f"{bad[0]}-{bad[1:4]}-{bad[4:9]}-{bad[9]}", "lenient")
for _ in range(12):
    body = digits(7)
    code = body + issn.calc_check_digit(body)
    add_gtin(f"{code[:4]}-{code[4:]}", "lenient", "lenient: NNNN-NNNC is read as an ISSN, never as an EAN-8")
    add_gtin(f"{code[:4]}-{code[4:7]}{(int(code[7]) + 1) % 10 if code[7] != 'X' else 0}", "lenient",
             "lenient: NNNN-NNNC is read as an ISSN, never as an EAN-8")

# --- UPC-E (GS1 General Specifications zero-suppression table) -------------------------------

def expand_upce(ns, e):
    d1, d2, d3, d4, d5, d6 = e
    if d6 in "012":
        body = d1 + d2 + d6 + "0000" + d3 + d4 + d5
    elif d6 == "3":
        body = d1 + d2 + d3 + "00000" + d4 + d5
    elif d6 == "4":
        body = d1 + d2 + d3 + d4 + "00000" + d5
    else:
        body = d1 + d2 + d3 + d4 + d5 + "0000" + d6
    return with_check(ns + body)


for _ in range(40):
    ns, six = rng.choice("01"), digits(6)
    upca = expand_upce(ns, six)
    code = ns + six + upca[-1]
    canonical = not ((six[5] == "3" and six[2] in "012") or (six[5] == "4" and six[3] == "0")
                     or (six[5] in "56789" and six[4] == "0"))
    vectors.append({"fn": "upce", "mode": "lenient", "input": code, "upca": upca})
    vectors.append({"fn": "upce", "mode": "strict", "input": code, "upca": upca if canonical else None})
    wrong = code[:7] + str((int(code[7]) + 1) % 10)
    vectors.append({"fn": "upce", "mode": "strict", "input": wrong, "upca": None})
for raw in ["21234565", "1234", "0123456"]:
    vectors.append({"fn": "upce", "mode": "lenient", "input": raw, "upca": None})

# --- parse_barcode: PLU, padded PLU, variable measure, UPC-E detection ----------------------

def barcode(raw, kind, gtin14=None, plu=None, organic=None, price=None, weight=None, valid=True):
    vectors.append({"fn": "barcode", "input": raw, "kind": kind, "gtin14": gtin14, "plu": plu,
                    "organic": organic, "price": price, "weight": weight, "valid": valid})


for _ in range(30):
    base = rng.randint(3000, 4999)
    barcode(str(base), "plu", plu=str(base), organic=False)
    barcode(f"9{base}", "plu", plu=str(base), organic=True)
    barcode(str(base).zfill(14), "plu", plu=str(base), organic=False)
    barcode(with_check(str(base)).zfill(14), "plu", plu=str(base), organic=False)
    barcode(f"9{base}".zfill(13), "plu", plu=str(base), organic=True)
for n in [2999, 5000, 1234, 74011, 82999, 85000]:
    barcode(str(n), "unknown", valid=False)
for n in [83000, 84999]:
    barcode(str(n), "plu", plu=str(n), organic=False)

# GS1 General Specifications 7.9.3: the check digit of a 4-digit price field.
TWO_MINUS = [0, 2, 4, 6, 8, 9, 1, 3, 5, 7]
THREE = [0, 3, 6, 9, 2, 5, 8, 1, 4, 7]
FIVE_MINUS = [0, 5, 9, 4, 8, 3, 7, 2, 6, 1]


def price_check_4(price):
    d = [int(c) for c in price]
    return str((TWO_MINUS[d[0]] + TWO_MINUS[d[1]] + THREE[d[2]] + FIVE_MINUS[d[3]]) * 3 % 10)


assert price_check_4("2875") == "9"  # the GS1 General Specifications' example

# US variable-measure price labels: UPC-A 2 IIIII C PPPP K (default scheme prefix 02), C the
# price check digit. A wrong C keys the item and reads no price. (The random draw for C is
# kept so that every later vector stays as it was.)
for _ in range(25):
    item, price = digits(5), rng.randint(1, 9999)
    rng.randint(0, 9)
    pc = price_check_4(f"{price:04d}")
    code = with_check("2" + item + pc + f"{price:04d}")
    key = with_check("02" + item + "00000").zfill(14)
    barcode(code, "variable_measure", gtin14=key, price=f"{price / 100:.2f}")
    barcode(code[:-1] + str((int(code[-1]) + 1) % 10), "upc_a", valid=False)
    wrong_pc = with_check("2" + item + str((int(pc) + 1) % 10) + f"{price:04d}")
    barcode(wrong_pc, "variable_measure", gtin14=key)
# EAN-13 2x labels: 2x IIIII PPPPP K (default scheme prefix 2).
for _ in range(15):
    prefix, item, price = str(rng.randint(20, 29)), digits(5), rng.randint(1, 99999)
    code = with_check(prefix + item + f"{price:05d}")
    key = with_check(prefix + item + "00000").zfill(14)
    barcode(code, "variable_measure", gtin14=key, price=f"{price / 100:.2f}")

# Eight digits starting with 0: UPC-E first (EAN-8 0xx are restricted-circulation numbers).
for _ in range(15):
    six = digits(6)
    upca = expand_upce("0", six)
    barcode("0" + six + upca[-1], "upc_e", gtin14=upca.zfill(14))
for code in [c for c in valid_codes if len(c) == 8 and c[0] not in "01"][:10]:
    barcode(code, "ean8", gtin14=code.zfill(14))
for code in [c for c in valid_codes if len(c) == 13 and c[0] != "0"][:10]:
    barcode(code, "ean13", gtin14=code.zfill(14))
for code in upcs[:10]:
    barcode(code, "upc_a", gtin14=code.zfill(14))
for raw in ["978-0-306-40615-7", "0-306-40615-2"]:
    barcode(raw, "isbn", gtin14="09780306406157")
barcode("ABC-123", "unknown", valid=False)

print(json.dumps({"stdnum_version": stdnum.__version__, "seed": 20261129, "vectors": vectors},
                 ensure_ascii=False, indent=0))
