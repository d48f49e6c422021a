"""The server side of Cognito's SRP sign-in (USER_SRP_AUTH), so a wrong password is refused.

Cognito uses SRP-6a over the 3072-bit group of RFC 5054 with SHA-256, a password hash salted with the
user pool's name, and an HKDF-derived key that signs ``poolName + userId + secretBlock + timestamp``.
The arithmetic primitives are pycognito's (the client side of the same protocol), so both ends share
one implementation of the constants and hashes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from pycognito.aws_srp import (
    G_HEX,
    N_HEX,
    calculate_u,
    compute_hkdf,
    hash_sha256,
    hex_hash,
    hex_to_long,
    long_to_hex,
    pad_hex,
)

from groupgate.local.timing import same_secret

_N = hex_to_long(N_HEX)
_G = hex_to_long(G_HEX)
_K = hex_to_long(hex_hash("00" + N_HEX + "0" + G_HEX))


@dataclass(frozen=True)
class Challenge:
    """What the server remembers between InitiateAuth and RespondToAuthChallenge."""

    pool_name: str  # the part of the pool id after "_"
    user_id: str  # USER_ID_FOR_SRP: the user name
    salt_hex: str
    verifier: int
    small_b: int
    large_a: int
    large_b: int
    secret_block: str  # base64

    def parameters(self) -> dict[str, str]:
        return {
            "SALT": self.salt_hex,
            "SRP_B": long_to_hex(self.large_b),
            "SECRET_BLOCK": self.secret_block,
            "USER_ID_FOR_SRP": self.user_id,
            "USERNAME": self.user_id,
        }


def _x(pool_name: str, user_id: str, password: str, salt_hex: str) -> int:
    inner = hash_sha256(f"{pool_name}{user_id}:{password}".encode())
    x: int = hex_to_long(hex_hash(pad_hex(salt_hex) + inner))
    return x


def start(pool_id: str, user_id: str, password: str, srp_a_hex: str) -> Challenge:
    """The PASSWORD_VERIFIER challenge for a client that sent ``SRP_A``."""
    large_a = hex_to_long(srp_a_hex)
    if large_a % _N == 0:
        raise ValueError("SRP_A is not valid")
    pool_name = pool_id.split("_", 1)[1]
    salt_hex = secrets.token_hex(16)
    verifier = pow(_G, _x(pool_name, user_id, password, salt_hex), _N)
    small_b = secrets.randbelow(_N - 1) + 1
    large_b = (_K * verifier + pow(_G, small_b, _N)) % _N
    secret_block = base64.standard_b64encode(secrets.token_bytes(64)).decode()
    return Challenge(pool_name, user_id, salt_hex, verifier, small_b, large_a, large_b, secret_block)


def signature_matches(challenge: Challenge, timestamp: str, claimed_signature: str) -> bool:
    """Whether the client's PASSWORD_CLAIM_SIGNATURE proves it knows the password."""
    u = calculate_u(challenge.large_a, challenge.large_b)
    if u == 0:
        return False
    shared = pow(challenge.large_a * pow(challenge.verifier, u, _N), challenge.small_b, _N)
    key = compute_hkdf(bytearray.fromhex(pad_hex(shared)), bytearray.fromhex(pad_hex(long_to_hex(u))))
    message = (
        challenge.pool_name.encode()
        + challenge.user_id.encode()
        + base64.standard_b64decode(challenge.secret_block)
        + timestamp.encode()
    )
    expected = base64.standard_b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()
    return same_secret(expected, claimed_signature)
