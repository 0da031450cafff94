#!/usr/bin/env python3
"""Writes key-type test vectors (key-types/vectors.json) with an implementation independent of Stork's C# code.

Keys and signatures are made with the Python 'cryptography' package exactly as securesystemslib's CryptoSigner
makes them (securesystemslib/signer/_crypto_signer.py and _key.py, v1.x):
  ed25519/ed25519            public = raw 32 bytes in hex; signature = raw 64 bytes
  ecdsa/ecdsa-sha2-nistp256  public = PEM SubjectPublicKeyInfo; signature = DER (r, s) over SHA-256
  ecdsa/ecdsa-sha2-nistp384  public = PEM SubjectPublicKeyInfo; signature = DER (r, s) over SHA-384
  rsa/rsassa-pss-sha256      public = PEM SubjectPublicKeyInfo; signature = PSS, MGF1-SHA256, salt = digest length
Key IDs are sha256 of the canonical JSON of {keytype, scheme, keyval} (securesystemslib compute_default_keyid).
Each vector also carries a private key (PEM PKCS#8, or the ed25519 seed in hex) so that Stork's signing can be
checked against this verifier's view, a message, a valid signature, and the same signature with one bit flipped.
The output is committed; tests read it and never run this script. Needs cryptography >= 40.
"""
import hashlib, json, os

from canonical_json import canonical

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

HERE = os.path.dirname(os.path.abspath(__file__))


def pem_public(key):
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def pem_private(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def flip(sig_hex):
    raw = bytearray(bytes.fromhex(sig_hex))
    raw[len(raw) // 2] ^= 0x01
    return raw.hex()


# The message is the canonical form of a small signed part, as TUF signs it.
MESSAGE = canonical({"_type": "timestamp", "spec_version": "1.0.31", "version": 7,
                     "expires": "2030-01-01T00:00:00Z",
                     "meta": {"snapshot.json": {"version": 7}}}).encode()


def vector(keytype, scheme, public, private, sign):
    keyval = {"public": public}
    sig = sign(MESSAGE).hex()
    return {
        "keytype": keytype, "scheme": scheme, "keyval": keyval,
        "keyid": hashlib.sha256(canonical({"keytype": keytype, "scheme": scheme, "keyval": keyval}).encode()).hexdigest(),
        "private": private,
        "message_hex": MESSAGE.hex(),
        "signature": sig,
        "bad_signature": flip(sig),
    }


def main():
    vectors = []
    k = ed25519.Ed25519PrivateKey.generate()
    vectors.append(vector("ed25519", "ed25519",
                          k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex(),
                          k.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                          serialization.NoEncryption()).hex(),
                          k.sign))
    for curve, scheme, digest in [(ec.SECP256R1(), "ecdsa-sha2-nistp256", hashes.SHA256()),
                                  (ec.SECP384R1(), "ecdsa-sha2-nistp384", hashes.SHA384())]:
        k = ec.generate_private_key(curve)
        vectors.append(vector("ecdsa", scheme, pem_public(k.public_key()), pem_private(k),
                              lambda m, k=k, d=digest: k.sign(m, ec.ECDSA(d))))
    # The key type spelling securesystemslib still accepts for P-256 (sigstore's older roots use it).
    k = ec.generate_private_key(ec.SECP256R1())
    vectors.append(vector("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256", pem_public(k.public_key()), pem_private(k),
                          lambda m, k=k: k.sign(m, ec.ECDSA(hashes.SHA256()))))
    k = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    vectors.append(vector("rsa", "rsassa-pss-sha256", pem_public(k.public_key()), pem_private(k),
                          lambda m, k=k: k.sign(m, padding.PSS(mgf=padding.MGF1(hashes.SHA256()),
                                                               salt_length=padding.PSS.DIGEST_LENGTH), hashes.SHA256())))
    os.makedirs(os.path.join(HERE, "key-types"), exist_ok=True)
    with open(os.path.join(HERE, "key-types", "vectors.json"), "w") as f:
        json.dump({"generator": "make-key-vectors.py with cryptography", "vectors": vectors}, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
