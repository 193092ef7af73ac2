#!/usr/bin/env bash
# Trains the zstd dictionary the inbox packs payloads with (core/dict/inbox-1.zdict, read by
# pos_core::raw_payload): the structure of the formats, not any one chain's values.
#   core/dict/train.sh [ADMIN_URL]    (a running cluster with the extension; default scripts/pg-local url)
# Samples: the canonical events of a generated chain (`pos-ingest generate`, read back from its
# inbox) with every free value scrambled (digits to random digits, letters to random letters;
# keys, enumerations and punctuation kept), so the dictionary learns the format's keys and
# shapes and none of the generator's names, ids or prices; and every real payload under
# ingest/tests/data/real (Square, Shopify, Clover, Toast, POSLog; CSV exports by their first 4 kB,
# where a file's header row is what repeats). A dictionary once shipped is never changed: frames
# name it by its id, and rows packed with it must stay readable. A new one takes a new id
# (DICT_ID in raw_payload.rs, --dictID below) and the old one stays beside it for unpacking.
set -euo pipefail
cd "$(dirname "$0")/../.."
ADMIN=${1:-$(scripts/pg-local url)}
BASE=${ADMIN%/*}
ID=${DICT_ID:-1347375873}   # 0x504F5301: "POS" 1
OUT=${OUT:-core/dict/inbox-1.zdict}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
command -v zstd >/dev/null || apt-get install -y -q --no-install-recommends zstd
cargo build --release -q -p pos-ingest --bin pos-ingest
S=$(mktemp -d /tmp/inbox-dict.XXXXXX)
trap 'rm -rf "$S"; psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS inbox_dict_train WITH (FORCE)" 2>/dev/null' EXIT
psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS inbox_dict_train WITH (FORCE)" -c "CREATE DATABASE inbox_dict_train"
psql -X -q "$BASE/inbox_dict_train" -c "CREATE EXTENSION pos_analytics"
"$CARGO_TARGET_DIR/release/pos-ingest" generate --url "$BASE/inbox_dict_train" --stores 4 --skus 500 --days 10 \
    --seed 4242 --tenant train --quiet >/dev/null
mkdir -p "$S/samples"
psql -X -qtA "$BASE/inbox_dict_train" -F $'\x1f' -R $'\x1e' \
    -c "SELECT inbox_id, pos.inbox_payload(r) FROM pos.raw_inbox r ORDER BY inbox_id LIMIT 3000" >"$S/canonical.raw"
python3 - "$S" <<'PY'
import json, random, re, string, sys
out = sys.argv[1]
random.seed(4242)
KEEP = {"schema_version", "type", "kind", "status", "currency", "entry_method", "method", "card_entry",
        "reason", "event", "unit"}
TIME = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
def scramble(v, key=None):
    if isinstance(v, dict):
        return {k: scramble(x, k) for k, x in v.items()}
    if isinstance(v, list):
        return [scramble(x) for x in v]
    if isinstance(v, str) and key not in KEEP:
        letters = not TIME.match(v)
        return "".join(random.choice(string.digits) if c.isdigit()
                       else random.choice(string.ascii_letters) if letters and c.isalpha() else c for c in v)
    return v
raw = open(f"{out}/canonical.raw", encoding="utf-8").read().split("\x1e")
n = 0
for rec in raw:
    if "\x1f" not in rec:
        continue
    _, payload = rec.split("\x1f", 1)
    lines = [json.dumps(scramble(json.loads(l)), separators=(",", ":"), ensure_ascii=False)
             for l in payload.splitlines() if l.strip()]
    open(f"{out}/samples/c{n}.json", "w", encoding="utf-8").write("\n".join(lines))
    n += 1
print(f"{n} canonical payloads, values scrambled")
PY
find ingest/tests/data/real -type f \( -name '*.json' -o -name '*.xml' -o -name '*.ndjson' \) \
    -exec sh -c 'cp "$1" "$2/samples/r_$(echo "$1" | tr / _)"' _ {} "$S" \;
find ingest/tests/data/real -type f -name '*.csv' \
    -exec sh -c 'head -c 4096 "$1" > "$2/samples/csv_$(echo "$1" | tr / _)"' _ {} "$S" \;
echo "$(ls "$S/samples" | wc -l) samples, $(cat "$S"/samples/* | wc -c) bytes"
zstd -q -f --train "$S"/samples/* --maxdict=32768 --dictID="$ID" -o "$OUT"
echo "$OUT: $(stat -c %s "$OUT") bytes, id $ID, sha256 $(sha256sum "$OUT" | cut -c1-16)"
