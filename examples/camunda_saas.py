"""Connect to Camunda 8 SaaS or a self-managed cluster with settings from the environment.

Set the variables the Camunda console shows for an API client, then run the worker::

    export CAMUNDA_CLUSTER_ID=...  CAMUNDA_CLUSTER_REGION=bru-2
    export CAMUNDA_CLIENT_ID=...   CAMUNDA_CLIENT_SECRET=...
    python -m examples.camunda_saas

Self-managed with OAuth (Identity / Keycloak) instead: ``ZEEBE_ADDRESS``,
``ZEEBE_CLIENT_ID``, ``ZEEBE_CLIENT_SECRET``, ``ZEEBE_AUTHORIZATION_SERVER_URL`` and
``ZEEBE_TOKEN_AUDIENCE`` (plus ``ZEEBE_CA_CERTIFICATE_PATH`` for a private CA). With none
of them set, the worker connects to ``localhost:26500`` in plaintext.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import grpc

from zeebe_router import ZeebeTaskRouter, ZeebeWorker
from zeebe_router.connection import (
    ConnectionSettings,
    channel_from_env,
    create_camunda_cloud_channel,
)

router = ZeebeTaskRouter()


@router.task("audit-order")
async def audit_order(order_id: str) -> dict[str, bool]:
    return {"audited": True}


def connection(env: Mapping[str, str] | None = None) -> ConnectionSettings:
    """What the environment (``os.environ`` when ``env`` is None) says about the cluster.

    Raises:
        ConfigurationError: a variable is invalid or missing; the message names it.
    """
    return ConnectionSettings.from_env(env)


def build_worker(env: Mapping[str, str] | None = None) -> ZeebeWorker:
    """A worker on the channel the environment describes (no connection is made yet)."""
    worker = ZeebeWorker(channel_from_env(env), name="audit")
    worker.include_router(router)
    return worker


def explicit_saas_channel(client_id: str, client_secret: str, cluster_id: str) -> grpc.aio.Channel:
    """The same SaaS channel with the values given in code (pyzeebe's function and keywords)."""
    return create_camunda_cloud_channel(
        client_id=client_id, client_secret=client_secret, cluster_id=cluster_id, region="bru-2"
    )


if __name__ == "__main__":
    print(connection())  # the secret is not shown
    asyncio.run(build_worker().work())
