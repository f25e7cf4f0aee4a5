"""Verify every genuine DK1 vector's QR text with pycose (+ cbor2, base45).
Prints "pycose vectors: N verified, M failed"; exit 1 on any failure."""
import glob
import json
import os
import sys

import base45
import cbor2
from pycose.headers import KID
from pycose.keys import OKPKey
from pycose.keys.curves import Ed25519
from pycose.messages import Sign1Message

ok = bad = 0
for path in sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), "dk1-*.json"))):
    v = json.load(open(path))
    if v["expected"] != "genuine":
        continue
    msg = Sign1Message.decode(base45.b45decode(v["qr_text"][4:]))
    entry = next(t for t in v["trust"] if t["kid"] == msg.phdr[KID].hex())
    msg.key = OKPKey(crv=Ed25519, x=bytes.fromhex(entry["public_key"]))
    claims = cbor2.loads(msg.payload)
    if msg.verify_signature() and claims[1] == entry["issuer"]:
        ok += 1
    else:
        bad += 1
        print("failed:", path, file=sys.stderr)
print(f"pycose vectors: {ok} verified, {bad} failed")
sys.exit(1 if bad or not ok else 0)
