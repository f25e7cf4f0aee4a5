"""Known-answer DK1 vectors computed independently of terbit.

Uses Python's `cryptography` (Ed25519), `cbor2` (canonical encoding) and
`base45` — none of terbit's code — so terbit's encoder and verifier are
checked against a second implementation (engine/dk1/README.md). One genuine vector per
document kind's record shape, plus tampered ones with the verdict a
verifier must reach. Run: python3 make_vectors.py (writes *.json here).
"""
import hashlib
import json
import os

import base45
import cbor2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

HERE = os.path.dirname(os.path.abspath(__file__))
ISSUED_AT = 1795392000  # 2026-11-23T00:00:00Z


def key(seed_hex):
    sk = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed_hex))
    pk = sk.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    thumb = cbor2.dumps({1: 1, -1: 6, -2: pk}, canonical=True)
    return sk, pk, hashlib.sha256(thumb).digest()[:8]


def sign(sk, kid, payload, alg=-8):
    protected = cbor2.dumps({1: alg, 4: kid}, canonical=True)
    tbs = cbor2.dumps(["Signature1", protected, b"", payload], canonical=True)
    sig = sk.sign(tbs)
    return cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, sig]), canonical=True)


def trust_entry(pk, kid, issuer="3506", not_before="2026-01-01T00:00:00Z", status="active", revoked_from=None):
    return {"kid": kid.hex(), "issuer": issuer, "alg": "EdDSA", "public_key": pk.hex(), "not_before": not_before,
            "not_after": None, "status": status, "revoked_from": revoked_from}


def claims_json(claims):
    """The claims in a JSON form terbit's test can read back."""
    rec = {}
    for k, v in claims[-65537].items():
        rec[str(k)] = {"hex": v.hex()} if isinstance(v, bytes) else v
    return {"issuer": claims[1], "issued_at": claims[6], "expiry": claims.get(4), "record": rec}


SEED = "1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a7988"
OTHER = "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"

members = ["3506014203880001", "3506011005850003", "3506015512100002", "3506010307150001"]
member_digest = hashlib.sha256("\n".join(members).encode()).digest()[:16]

RECORDS = {
    "birth": {1: 1, 2: "3506-LU-23112026-0001", 3: "3506014510260007", 4: "AYU LESTARI PRATAMA", 5: "2026-10-05",
              6: "KEDIRI", 7: "2026-11-23", 11: "P", 12: "SITI RAHAYU", 13: "BUDI PRATAMA", 14: 2},
    "death": {1: 2, 2: "3506-KM-23112026-0001", 3: "3506011203450001", 4: "SUGENG WIBOWO", 5: "1945-03-12",
              6: "KEDIRI", 7: "2026-11-23", 11: "2026-11-20", 12: "RSUD KABUPATEN KEDIRI"},
    "family_card": {1: 3, 2: "3506012311260001", 3: members[1], 4: "AGUS SANTOSO", 7: "2026-11-23",
                    8: members, 9: 4, 10: member_digest, 11: "DSN KRAJAN RT 002 RW 001, DESA BULU, KEC. SEMEN"},
    "move_out": {1: 4, 2: "3506-PD-23112026-0001", 3: members[1], 4: "AGUS SANTOSO", 7: "2026-11-23",
                 8: members[:2], 9: 2, 11: "3506012001", 12: "3578011001", 13: "PEKERJAAN"},
    "move_in": {1: 5, 2: "3506-PK-23112026-0001", 3: "3578014404900002", 4: "RINA HANDAYANI", 7: "2026-11-23",
                11: "3578011001", 12: "3506172005"},
    "ktp": {1: 6, 2: "3506-SK-23112026-0001", 3: "3506015203950001", 4: "DEWI KARTIKA SARI", 5: "1995-03-12",
            6: "KEDIRI", 7: "2026-11-23", 11: "P", 12: "DSN KRAJAN RT 002 RW 001, DESA BULU, KEC. SEMEN"},
}


def write(name, obj):
    with open(os.path.join(HERE, f"{name}.json"), "w") as f:
        json.dump(obj, f, indent=1, ensure_ascii=False)
        f.write("\n")


def main():
    sk, pk, kid = key(SEED)
    osk, opk, okid = key(OTHER)
    trust = [trust_entry(pk, kid)]
    for kind, rec in RECORDS.items():
        claims = {1: "3506", 6: ISSUED_AT, -65537: rec}
        if kind == "ktp":
            claims[4] = ISSUED_AT + 183 * 86400  # the stand-in certificate expires
        payload = cbor2.dumps(claims, canonical=True)
        cose = sign(sk, kid, payload)
        write(f"dk1-{kind}", {
            "description": f"{kind} record shape, genuine",
            "seed_hex": SEED, "public_key_hex": pk.hex(), "kid_hex": kid.hex(),
            "claims": claims_json(claims), "payload_cbor_hex": payload.hex(),
            "cose_sign1_tagged_hex": cose.hex(), "qr_text": "DK1:" + base45.b45encode(cose).decode(),
            "trust": trust, "expected": "genuine", "encode": True,
        })

    birth = {1: "3506", 6: ISSUED_AT, -65537: RECORDS["birth"]}
    payload = cbor2.dumps(birth, canonical=True)

    def tampered(name, description, cose, expected, trust_list=trust):
        write(f"dk1-tamper-{name}", {
            "description": description, "qr_text": "DK1:" + base45.b45encode(cose).decode(),
            "trust": trust_list, "expected": expected, "encode": False,
        })

    good = sign(sk, kid, payload)
    tampered("wrong-key", "signed by another key under the trusted kid", sign(osk, kid, payload), "invalid")
    tampered("unknown-kid", "signed by a key the trust list does not hold", sign(osk, okid, payload), "untrusted")
    flipped = bytearray(good)
    flipped[40] ^= 0x01  # inside the payload's record
    tampered("payload-bit", "one payload bit flipped after signing", bytes(flipped), "invalid")
    tampered("alg-es256", "protected header says ES256", sign(sk, kid, payload, alg=-7), "invalid")
    tampered("trailing-byte", "a byte after the COSE structure", good + b"\x00", "invalid")
    tampered("untagged", "COSE_Sign1 without tag 18", cbor2.dumps(cbor2.loads(good).value, canonical=True), "invalid")
    other_issuer = dict(birth)
    other_issuer[1] = "3527"
    tampered("issuer-mismatch", "claims issuer 3527 with a key of issuer 3506",
             sign(sk, kid, cbor2.dumps(other_issuer, canonical=True)), "untrusted")
    tampered("before-window", "issued before the key's signing window opens", good, "untrusted",
             [trust_entry(pk, kid, not_before="2027-01-01T00:00:00Z")])
    tampered("key-revoked", "key revoked from before the issue time", good, "revoked",
             [trust_entry(pk, kid, status="revoked", revoked_from="2026-06-01T00:00:00Z")])
    tampered("key-retired", "retired key: civil records stay valid", good, "genuine",
             [trust_entry(pk, kid, status="retired")])


if __name__ == "__main__":
    main()
