"""TLS channel credentials from PEM bytes or files: a custom CA and mutual TLS."""

from __future__ import annotations

from pathlib import Path

import grpc

from zeebe_router.errors import ConfigurationError

__all__ = ["tls_channel_credentials"]


def _pem(data: bytes | None, path: str | Path | None, what: str) -> bytes | None:
    if data is not None and path is not None:
        raise ConfigurationError(f"give the {what} as bytes or as a path, not both")
    if path is None:
        return data
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"cannot read the {what} from {str(path)!r}: {exc}") from exc


def tls_channel_credentials(
    *,
    root_certificates: bytes | None = None,
    root_certificates_path: str | Path | None = None,
    certificate_chain: bytes | None = None,
    certificate_chain_path: str | Path | None = None,
    private_key: bytes | None = None,
    private_key_path: str | Path | None = None,
) -> grpc.ChannelCredentials:
    """TLS credentials trusting a CA bundle (else the system's), optionally with a client cert.

    Args:
        root_certificates: PEM CA bundle that signs the gateway's certificate.
        root_certificates_path: a file holding that bundle.
        certificate_chain: PEM client certificate (chain), for mutual TLS.
        certificate_chain_path: a file holding it.
        private_key: PEM private key of the client certificate.
        private_key_path: a file holding it.

    Raises:
        ConfigurationError: a file cannot be read, a value is given twice, or a client
            certificate comes without its key (or the reverse).
    """
    roots = _pem(root_certificates, root_certificates_path, "CA certificates")
    chain = _pem(certificate_chain, certificate_chain_path, "client certificate chain")
    key = _pem(private_key, private_key_path, "client private key")
    if (chain is None) != (key is None):
        raise ConfigurationError(
            "mutual TLS needs both a client certificate chain and its private key"
        )
    return grpc.ssl_channel_credentials(
        root_certificates=roots, private_key=key, certificate_chain=chain
    )
