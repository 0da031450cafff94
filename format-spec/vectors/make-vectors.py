#!/usr/bin/env python3
"""Writes the metadata test vectors with an implementation independent of Stork's C# code.

Needs the 'cryptography' package. The outputs are committed; tests read them and never run this.
"""
import hashlib, json, os

from canonical_json import canonical

HERE = os.path.dirname(os.path.abspath(__file__))


def write(path, data):
    with open(os.path.join(HERE, path), "wb") as f:
        f.write(data)


# 1. Canonical JSON: key order, nesting, escapes, non-ASCII text, integers, booleans, null.
sample = {
    "z": [3, -1, 0, {"b": True, "a": None}],
    "a": "quote \" backslash \\ newline \n tab \t unicode é 漢 🐦",
    "M": {"nested": {"y": False, "x": 1234567890123}},
    "": "empty key",
    "é": "non-ASCII key",
}
write("canonical-json/input.json", json.dumps(sample, indent=2, ensure_ascii=True).encode() + b"\n")
canon = canonical(sample).encode("utf-8")
write("canonical-json/expected.canonical", canon)
write("canonical-json/expected.sha256", (hashlib.sha256(canon).hexdigest() + "\n").encode())

# 2. A root signed with a published TEST key (never use it for anything real).
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

seed = bytes(range(32))
private = Ed25519PrivateKey.from_private_bytes(seed)
public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
key = {"keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": public}}
keyid = hashlib.sha256(canonical(key).encode()).hexdigest()
write("signed-metadata/test-key.json", json.dumps({
    "comment": "PUBLISHED TEST KEY - for test vectors only, never trust it",
    "seed": seed.hex(), "public": public, "keyid": keyid}, indent=2).encode() + b"\n")
signed = {
    "_type": "root", "spec_version": "1.0.31", "version": 1, "expires": "2099-01-01T00:00:00Z",
    "consistent_snapshot": True,
    "keys": {keyid: key},
    "roles": {r: {"keyids": [keyid], "threshold": 1} for r in ["root", "targets", "snapshot", "timestamp"]},
}
sig = private.sign(canonical(signed).encode()).hex()
write("signed-metadata/root.json", canonical({"signatures": [{"keyid": keyid, "sig": sig}], "signed": signed}).encode())
print("keyid", keyid)
