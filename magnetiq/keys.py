"""Development RS256 key pair for JWT signing, made on first use so a fresh machine just runs."""

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def generate_pem_pair() -> tuple[str, str]:
    """A new 2048-bit RSA key pair as ``(private PEM, public PEM)``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def ensure_dev_keys(private_path: Path, public_path: Path) -> tuple[str, str]:
    """Read the key pair from disk, writing a new one first if either file is missing."""
    if not (private_path.exists() and public_path.exists()):
        private, public = generate_pem_pair()
        private_path.parent.mkdir(parents=True, exist_ok=True)
        private_path.write_text(private)
        private_path.chmod(0o600)
        public_path.write_text(public)
    return private_path.read_text(), public_path.read_text()
