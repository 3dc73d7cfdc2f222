"""Near-duplicates of a prompt among the accepted prompts of a set: MinHash over character n-grams,
and locality-sensitive hashing of the signatures in the database (ShingleBand, PromptSignature).

Characters, not words: Chinese has no spaces, and a few characters changed in a copied prompt
still leave most of its 3-grams in place. A text is normalised first (NFKC folds full-width and
half-width forms, lower case, runs of white space become one space, punctuation goes), so a copy
with other punctuation or spacing is still the same text to the index and to the exact-duplicate
hash.

Bands: 128 permutations in 32 bands of 4 rows. Two prompts become candidates when one band is
equal, which happens with probability 1 - (1 - s^4)^32 for a Jaccard similarity s: 99.98% at
s = 0.7 (the threshold shown), 99.2% at 0.6, 23% at 0.3 and 5% at 0.2. A near-duplicate at the
threshold is practically never missed; the unrelated candidates the wide net brings in are dropped
by the estimate from their signatures, and their number is capped (the prompts sharing the most
bands come first), so the query stays one indexed lookup and a few hundred comparisons.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.db import connection

from authoring.models import PromptSignature, ShingleBand
from prompts.models import Prompt, PromptSet

NGRAM = 3
PERMUTATIONS = 128
BANDS = 32
ROWS = PERMUTATIONS // BANDS
THRESHOLD = 0.7
# The candidates sharing the most bands with the query, compared by signature: enough for every
# near-duplicate of one prompt, few enough to keep a query in milliseconds on a set of 100,000.
MAX_CANDIDATES = 200
SHOWN = 5
# Fixed so that signatures stored today compare with tomorrow's (datasketch's default since 2.0).
SEED = 1
SCHEME = "affine32"

_SPACE = re.compile(r"\s+")


def text_normalised(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text or "").lower()
    kept = "".join(ch for ch in folded if not unicodedata.category(ch).startswith("P"))
    return _SPACE.sub(" ", kept).strip()


def text_hash(text: str) -> str:
    """The exact-duplicate key of a text: sha256 of its normalised form."""
    return hashlib.sha256(text_normalised(text).encode()).hexdigest()


def shingles(text: str) -> set[bytes]:
    normal = text_normalised(text)
    if len(normal) <= NGRAM:
        return {normal.encode()} if normal else set()
    return {normal[i : i + NGRAM].encode() for i in range(len(normal) - NGRAM + 1)}


def signature(text: str) -> np.ndarray:
    # Imported here: datasketch's package imports SciPy (500 modules, 50 MB), which judging's web
    # workers never need, and a bigger process was measurably slower per judged item.
    from datasketch import MinHash

    minhash = MinHash(num_perm=PERMUTATIONS, seed=SEED, scheme=SCHEME)
    minhash.update_batch(list(shingles(text)))
    return minhash.hashvalues.astype("<u4")


def band_hashes(sig: np.ndarray) -> list[int]:
    """One signed 64-bit hash per band (a BigIntegerField holds it)."""
    raw = sig.astype("<u4").tobytes()
    size = ROWS * 4
    return [
        int.from_bytes(
            hashlib.blake2b(raw[b * size : (b + 1) * size], digest_size=8).digest(), "little", signed=True
        )
        for b in range(BANDS)
    ]


def prompts_index(*, prompt_set: PromptSet, prompts: Iterable[tuple[int, str]]) -> int:
    """Add prompts (id, text to compare) of a set to its index; returns how many were indexed.
    A prompt indexed before is left as it is."""
    pairs = list(prompts)
    known = set(
        PromptSignature.objects.filter(prompt_id__in=[p for p, _ in pairs]).values_list(
            "prompt_id", flat=True
        )
    )
    signatures, bands = [], []
    for prompt_id, text in pairs:
        if prompt_id in known:
            continue
        sig = signature(text)
        signatures.append(PromptSignature(prompt_id=prompt_id, signature=sig.tobytes()))
        bands.extend(
            ShingleBand(prompt_set=prompt_set, prompt_id=prompt_id, band=band, band_hash=value)
            for band, value in enumerate(band_hashes(sig))
        )
    PromptSignature.objects.bulk_create(signatures, batch_size=2000)
    ShingleBand.objects.bulk_create(bands, batch_size=5000)
    return len(signatures)


@dataclass(frozen=True)
class NearDuplicate:
    prompt_id: int
    similarity: float
    text: str

    def as_dict(self) -> dict[str, object]:
        return {"prompt_id": self.prompt_id, "similarity": self.similarity, "text": self.text}


def _candidates(*, prompt_set_id: int, hashes: list[int]) -> list[tuple[int, bytes]]:
    """The indexed prompts sharing a band with the query, most bands first, with their
    signatures: one statement on the (prompt_set, band, band_hash) index."""
    bands = ShingleBand._meta.db_table
    signatures = PromptSignature._meta.db_table
    rows = ", ".join(["(%s, %s, %s)"] * len(hashes))
    sql = f"""
        SELECT s.prompt_id, s.signature FROM {signatures} s JOIN (
            SELECT prompt_id, COUNT(*) AS shared FROM {bands}
            WHERE (prompt_set_id, band, band_hash) IN ({rows})
            GROUP BY prompt_id ORDER BY shared DESC, prompt_id LIMIT %s
        ) c ON c.prompt_id = s.prompt_id
    """  # noqa: S608 -- table names are our own; every value is a parameter
    params: list[int] = []
    for band, value in enumerate(hashes):
        params.extend((prompt_set_id, band, value))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, MAX_CANDIDATES])
        return [(prompt_id, bytes(sig)) for prompt_id, sig in cursor.fetchall()]


def near_duplicates(
    *, prompt_set: PromptSet | int, text: str, threshold: float = THRESHOLD, limit: int = SHOWN
) -> list[NearDuplicate]:
    """The accepted prompts of the set most like `text`, estimated Jaccard ≥ threshold, best first."""
    if not text_normalised(text):
        return []
    set_id = prompt_set if isinstance(prompt_set, int) else prompt_set.pk
    query = signature(text)
    found = _candidates(prompt_set_id=set_id, hashes=band_hashes(query))
    if not found:
        return []
    matrix = np.frombuffer(b"".join(sig for _, sig in found), dtype="<u4").reshape(len(found), PERMUTATIONS)
    estimates = (matrix == query).mean(axis=1)
    best = sorted(
        ((float(e), prompt_id) for e, (prompt_id, _) in zip(estimates, found, strict=True) if e >= threshold),
        reverse=True,
    )[:limit]
    texts = dict(Prompt.objects.filter(pk__in=[p for _, p in best]).values_list("pk", "text"))
    return [NearDuplicate(prompt_id=p, similarity=round(e, 3), text=texts.get(p, "")) for e, p in best]
