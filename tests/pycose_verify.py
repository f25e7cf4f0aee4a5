"""Verify every QR text of a terbit manifest with an independent COSE stack
(pycose + cbor2 + base45), using only the public keys in trust.json.

usage: python3 pycose_verify.py MANIFEST.csv TRUST.json
Prints "pycose: N verified, M failed" and exits 1 if any failed.
"""
import csv
import json
import sys

import base45
import cbor2
from pycose.headers import KID
from pycose.keys import OKPKey
from pycose.keys.curves import Ed25519
from pycose.messages import Sign1Message

trust = json.load(open(sys.argv[2]))
keys = {k["kid"]: OKPKey(crv=Ed25519, x=bytes.fromhex(k["public_key"])) for k in trust["keys"]}
ok = bad = 0
for row in csv.DictReader(open(sys.argv[1], newline="")):
    raw = base45.b45decode(row["qr"][len("DK1:"):])
    msg = Sign1Message.decode(raw)
    msg.key = keys[msg.phdr[KID].hex()]
    claims = cbor2.loads(msg.payload)
    if msg.verify_signature() and claims[-65537][2] == row["document_number"] and claims[-65537][3] == row["nik"]:
        ok += 1
    else:
        bad += 1
        print("failed:", row["document_number"], file=sys.stderr)
print(f"pycose: {ok} verified, {bad} failed")
sys.exit(1 if bad else 0)
