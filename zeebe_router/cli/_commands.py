"""One-off client commands: ``deploy``, ``create-instance``, ``publish-message``, ``topology``."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from zeebe_router import _json
from zeebe_router.cli._connection import ConnectionFlags, add_connection_arguments, open_channel
from zeebe_router.cli._errors import CliError, UsageError
from zeebe_router.errors import InvalidVariablesError, ZeebeGatewayError
from zeebe_router.responses import (
    CreateProcessInstanceResponse,
    CreateProcessInstanceWithResultResponse,
    DeployedResource,
    DeployResourceResponse,
    Topology,
)

if TYPE_CHECKING:
    from zeebe_router.client import ZeebeClient

__all__ = ["add_parsers", "parse_variables"]

_T = TypeVar("_T")

#: Retries of a call while the gateway is busy, once it has been reached.
_CALL_RETRIES = 3


def add_parsers(commands: argparse._SubParsersAction[Any]) -> None:
    """Register the client sub-commands."""
    deploy = _add(commands, "deploy", "deploy BPMN, DMN and form files as one deployment")
    deploy.add_argument("files", nargs="+", metavar="FILE", help="resource files to deploy")
    deploy.add_argument("--tenant-id", help="tenant that owns the resources")
    deploy.set_defaults(func=_client_command(_deploy, _check_files))

    create = _add(commands, "create-instance", "start a process instance")
    create.add_argument("bpmn_process_id", metavar="BPMN_ID", help="the process id")
    create.add_argument("--version", type=int, default=-1, help="version (default: latest)")
    create.add_argument("--variables", metavar="JSON", help="start variables, a JSON object")
    create.add_argument(
        "--with-result", action="store_true", help="wait until the instance completes"
    )
    create.add_argument(
        "--timeout-ms",
        type=int,
        default=0,
        help="with --with-result: how long to wait (default: the gateway's)",
    )
    create.add_argument("--tenant-id", help="tenant of the process definition")
    create.set_defaults(func=_client_command(_create_instance, _check_variables))

    publish = _add(commands, "publish-message", "publish a message")
    publish.add_argument("name", metavar="NAME", help="the message name")
    publish.add_argument("--correlation-key", default="", help="correlation key")
    publish.add_argument("--variables", metavar="JSON", help="message variables, a JSON object")
    publish.add_argument(
        "--ttl-ms", type=int, default=60_000, help="time to live in ms (default 60000)"
    )
    publish.add_argument("--message-id", help="unique id: a duplicate is rejected while buffered")
    publish.add_argument("--tenant-id", help="tenant of the message")
    publish.set_defaults(func=_client_command(_publish_message, _check_variables))

    topology = _add(commands, "topology", "describe the cluster behind the gateway")
    topology.set_defaults(func=_client_command(_topology))


def _add(
    commands: argparse._SubParsersAction[Any], name: str, summary: str
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        name, help=summary, description=summary[0].upper() + summary[1:] + "."
    )
    parser.add_argument("--json", action="store_true", help="print the answer as JSON")
    parser.add_argument(
        "--connect-timeout",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="how long to wait for the gateway to be reachable (default 5)",
    )
    add_connection_arguments(parser)
    return parser


def parse_variables(text: str | None, flag: str = "--variables") -> dict[str, Any]:
    """Decode a JSON object given on the command line.

    Raises:
        UsageError: the text is not JSON, or not a JSON object.
    """
    if text is None:
        return {}
    try:
        return _json.loads(text)
    except InvalidVariablesError as exc:
        raise UsageError(f"{flag} must be a JSON object: {exc}") from None


def _client_command(
    command: Callable[[argparse.Namespace, ZeebeClient], Awaitable[str]],
    check: Callable[[argparse.Namespace], None] | None = None,
) -> Callable[[argparse.Namespace], int]:
    """Check the arguments (before connecting), then run ``command`` and print its answer."""

    def run(args: argparse.Namespace) -> int:
        if check is not None:
            check(args)
        print(asyncio.run(_with_client(args, command)), flush=True)
        return 0

    return run


def _check_files(args: argparse.Namespace) -> None:
    for path in args.files:
        if not os.path.isfile(path):
            raise UsageError(f"no such file: {path}")


def _check_variables(args: argparse.Namespace) -> None:
    args.variables = parse_variables(args.variables)


async def _with_client(
    args: argparse.Namespace,
    command: Callable[[argparse.Namespace, ZeebeClient], Awaitable[str]],
) -> str:
    from zeebe_router.client import ZeebeClient

    flags = ConnectionFlags.from_args(args)
    channel = open_channel(flags)
    try:
        await _wait_reachable(channel.channel_ready(), args.connect_timeout, flags)
        client = ZeebeClient(channel, max_connection_retries=_CALL_RETRIES)
        try:
            return await command(args, client)
        except ZeebeGatewayError as exc:
            raise CliError(str(exc)) from exc
    finally:
        await channel.close(None)


async def _wait_reachable(ready: Awaitable[None], timeout: float, flags: ConnectionFlags) -> None:
    try:
        await asyncio.wait_for(ready, timeout)
    except asyncio.TimeoutError:
        from zeebe_router.connection import ConnectionSettings

        where = ConnectionSettings.from_env(**flags.overrides()).address
        raise CliError(
            f"cannot reach the gateway at {where} within {timeout:g} s "
            "(check --address / ZEEBE_ADDRESS and that the gateway is running)"
        ) from None


async def _deploy(args: argparse.Namespace, client: ZeebeClient) -> str:
    try:
        response = await client.deploy_resource(*args.files, tenant_id=args.tenant_id)
    except OSError as exc:
        raise CliError(f"cannot read {exc.filename}: {exc.strerror}") from exc
    return _json_text(response) if args.json else _deployment_text(response)


async def _create_instance(args: argparse.Namespace, client: ZeebeClient) -> str:
    variables: dict[str, Any] = args.variables
    response: CreateProcessInstanceResponse | CreateProcessInstanceWithResultResponse
    if args.with_result:
        response = await client.run_process_with_result(
            args.bpmn_process_id,
            variables,
            version=args.version,
            timeout=args.timeout_ms,
            tenant_id=args.tenant_id,
        )
    else:
        response = await client.run_process(
            args.bpmn_process_id, variables, version=args.version, tenant_id=args.tenant_id
        )
    if args.json:
        return _json_text(response)
    text = (
        f"process instance {response.process_instance_key} of {response.bpmn_process_id} "
        f"version {response.version} (definition key {response.process_definition_key})"
    )
    if isinstance(response, CreateProcessInstanceWithResultResponse):
        text += f"\nvariables: {_json.dumps(response.variables) or '{}'}"
    return text


async def _publish_message(args: argparse.Namespace, client: ZeebeClient) -> str:
    variables: dict[str, Any] = args.variables
    response = await client.publish_message(
        args.name,
        args.correlation_key,
        variables,
        time_to_live_in_milliseconds=args.ttl_ms,
        message_id=args.message_id,
        tenant_id=args.tenant_id,
    )
    if args.json:
        return _json_text(response)
    return f"message {args.name!r} published with key {response.key}"


async def _topology(args: argparse.Namespace, client: ZeebeClient) -> str:
    topology = await client.topology()
    return _json_text(topology) if args.json else _topology_text(topology)


def _json_text(response: Any) -> str:
    data = dataclasses.asdict(response)
    if hasattr(response, "deployments"):
        data["deployments"] = [
            {"kind": _kind(d), **dataclasses.asdict(d)} for d in response.deployments
        ]
    return _json.dumps(data)


def _kind(resource: DeployedResource) -> str:
    """``process``, ``decision``, ``decisionrequirements`` or ``form``."""
    return type(resource).__name__.removesuffix("Metadata").lower()


def _deployment_text(response: DeployResourceResponse) -> str:
    lines = [f"deployment {response.key}"]
    for item in response.deployments:
        fields = dataclasses.asdict(item)
        name = next(v for k, v in fields.items() if k.endswith("_id") and k != "tenant_id")
        key = next(v for k, v in fields.items() if k.endswith("_key"))
        resource = fields.get("resource_name")
        source = f" from {resource}" if resource else ""
        lines.append(f"  {_kind(item)} {name} version {item.version} (key {key}){source}")
    return "\n".join(lines)


def _topology_text(topology: Topology) -> str:
    gateway = f", gateway {topology.gateway_version}" if topology.gateway_version else ""
    lines = [
        f"cluster: {topology.cluster_size} broker(s), {topology.partitions_count} "
        f"partition(s), replication factor {topology.replication_factor}{gateway}"
    ]
    for broker in topology.brokers:
        lines.append(
            f"broker {broker.node_id} at {broker.host}:{broker.port} (version {broker.version})"
        )
        lines.extend(
            f"  partition {p.partition_id}: {p.role}, {p.health}" for p in broker.partitions
        )
    return "\n".join(lines)
