"""``zeebe-router run MODULE:ATTR``: run a worker until SIGINT/SIGTERM, then drain it."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

from zeebe_router.cli._connection import ConnectionFlags, add_connection_arguments, open_channel
from zeebe_router.cli._errors import CliError, UsageError
from zeebe_router.cli._http import serve_probes
from zeebe_router.cli._loader import load_attribute
from zeebe_router.cli._supervisor import Supervisor
from zeebe_router.errors import WorkerError

if TYPE_CHECKING:
    import grpc

    from zeebe_router.observability import WorkerMetrics
    from zeebe_router.worker import ZeebeWorker

__all__ = ["add_parser", "child_argv"]

log = logging.getLogger("zeebe_router.cli")

_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_STDIN = 0
#: Options of ``run`` that only the supervising process acts on (flag -> takes a value).
_SUPERVISOR_OPTIONS = {"--processes": True, "--embedded": False, "--http-port": True}


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Register the ``run`` sub-command."""
    parser = commands.add_parser(
        "run",
        allow_abbrev=False,
        help="run a worker (or a router, or a factory of either) until SIGINT/SIGTERM",
        description="Import MODULE:ATTR — a ZeebeWorker, a ZeebeTaskRouter (run in a new "
        "worker configured from the flags and the environment) or a zero-argument callable "
        "returning one — and run it. SIGINT/SIGTERM drain it: activation stops, running "
        "handlers get the grace period to finish, the rest are handed back; a second signal "
        "exits at once.",
    )
    parser.add_argument("target", metavar="MODULE:ATTR", help="for example app.main:worker")
    parser.add_argument(
        "--app-dir",
        default=".",
        metavar="DIR",
        help="directory to import MODULE from (default: the current directory)",
    )
    worker = parser.add_argument_group("worker", "Used when MODULE:ATTR is a router.")
    worker.add_argument("--name", help="worker name reported to the gateway [CAMUNDA_WORKER_NAME]")
    worker.add_argument(
        "--tenant",
        action="append",
        dest="tenants",
        metavar="TENANT_ID",
        help="activate jobs of this tenant (repeatable, or comma-separated) [CAMUNDA_TENANT_IDS]",
    )
    process = parser.add_argument_group("process")
    process.add_argument(
        "--grace-period",
        type=float,
        default=25.0,
        metavar="SECONDS",
        help="how long running handlers may finish after SIGTERM (default 25, inside "
        "Kubernetes' default 30 s termination grace)",
    )
    process.add_argument(
        "--log-level",
        default="info",
        type=str.lower,
        choices=["debug", "info", "warning", "error"],
        help="default info",
    )
    process.add_argument(
        "--log-format", default="text", choices=["text", "json"], help="default text"
    )
    process.add_argument(
        "--processes",
        type=int,
        default=1,
        metavar="N",
        help="run N worker processes sharing the jobs; crashed ones are restarted",
    )
    # A worker process of --processes: its stdin is a pipe from the supervisor, whose
    # end (the supervisor gone, even by SIGKILL) drains the worker like SIGTERM.
    process.add_argument("--supervised", action="store_true", help=argparse.SUPPRESS)
    process.add_argument(
        "--embedded",
        action="store_true",
        help="start an in-memory gateway in this process and connect to it (local development)",
    )
    process.add_argument(
        "--http-port",
        type=int,
        metavar="PORT",
        help="serve /healthz, /readyz and /metrics on PORT (0: any free port; with "
        "--processes, worker i serves PORT+i)",
    )
    process.add_argument(
        "--http-host", default="127.0.0.1", help="interface of --http-port (default 127.0.0.1)"
    )
    add_connection_arguments(parser)
    parser.set_defaults(func=_run)


def child_argv(argv: Sequence[str], index: int, address: str | None) -> list[str]:
    """The ``run`` arguments of worker process ``index`` under ``--processes``.

    The supervisor's own options are removed; an embedded gateway becomes ``--address``,
    ``--http-port P`` becomes ``P + index`` (0 stays 0), and ``--supervised`` is added.
    """
    out: list[str] = []
    tokens = iter(argv)
    for token in tokens:
        name, eq, value = token.partition("=")
        if name not in _SUPERVISOR_OPTIONS:
            out.append(token)
            continue
        if _SUPERVISOR_OPTIONS[name] and not eq:
            value = next(tokens, "")
        if name == "--http-port":
            port = int(value)
            out += ["--http-port", str(port + index if port else 0)]
    if address is not None:
        out += ["--address", address]
    return [*out, "--supervised"]


def _run(args: argparse.Namespace) -> int:
    if args.processes < 1:
        raise UsageError(f"--processes must be at least 1, got {args.processes}")
    if args.grace_period < 0:
        raise UsageError(f"--grace-period must not be negative, got {args.grace_period:g}")
    if args.http_port is not None and not 0 <= args.http_port <= 65535:
        raise UsageError(f"--http-port must be a port number, got {args.http_port}")
    if args.processes > 1:
        _configure_logging(args.log_level, args.log_format)
        return asyncio.run(_supervise(args))
    target = load_attribute(args.target, args.app_dir)
    _configure_logging(args.log_level, args.log_format)
    return asyncio.run(_run_one(args, target))


def _configure_logging(level: str, fmt: str) -> None:
    from zeebe_router.observability import configure_logging

    configure_logging(level, fmt="json" if fmt == "json" else "text")


async def _supervise(args: argparse.Namespace) -> int:
    argv: list[str] = args.argv
    async with _maybe_embedded(args.embedded) as address:
        supervisor = Supervisor(
            args.processes, lambda index: ["run", *child_argv(argv[1:], index, address)]
        )
        return await supervisor.run()


async def _run_one(args: argparse.Namespace, target: object) -> int:
    flags = ConnectionFlags.from_args(args)
    async with _maybe_embedded(args.embedded) as address:
        if address is not None:
            flags = ConnectionFlags(**{**vars(flags), "address": address})
        worker, channel = await _build_worker(target, args, flags)
        try:
            async with serve_probes(worker, args.http_host, args.http_port):
                return await _work(worker, args.grace_period, supervised=args.supervised)
        finally:
            if channel is not None:
                await channel.close(None)


@contextlib.asynccontextmanager
async def _maybe_embedded(enabled: bool) -> AsyncIterator[str | None]:
    if not enabled:
        yield None
        return
    from zeebe_router.testing._embedded import EmbeddedGateway

    async with EmbeddedGateway() as gateway:
        log.info(
            "embedded gateway listening on %s (in memory: local development only)",
            gateway.address,
        )
        yield gateway.address


async def _build_worker(
    target: object, args: argparse.Namespace, flags: ConnectionFlags
) -> tuple[ZeebeWorker, grpc.aio.Channel | None]:
    """The worker to run and the channel the CLI opened for it (closed after the run)."""
    from zeebe_router.routing import ZeebeTaskRouter
    from zeebe_router.worker import ZeebeWorker

    spec: str = args.target
    obj = target
    if not isinstance(obj, ZeebeTaskRouter) and callable(obj) and not isinstance(obj, type):
        try:
            obj = obj()
            if inspect.isawaitable(obj):
                obj = await obj
        except Exception as exc:
            raise CliError(f"{spec}() raised {type(exc).__name__}: {exc}") from exc
        spec = f"{spec}()"
    channel = None
    if isinstance(obj, ZeebeWorker):
        worker = obj
        _configure_given_worker(worker, spec, args, flags)
    elif isinstance(obj, ZeebeTaskRouter):
        channel = open_channel(flags)
        worker = ZeebeWorker(channel, metrics=_metrics(args), **_worker_kwargs(args))
        worker.include_router(obj)
    else:
        raise UsageError(
            f"{spec} is {_a(type(obj).__name__)}, not a ZeebeWorker, a ZeebeTaskRouter or a "
            "zero-argument callable returning one"
        )
    if not worker.tasks:
        raise UsageError(f"{spec} has no tasks; register some with @router.task(...)")
    return worker, channel


def _configure_given_worker(
    worker: ZeebeWorker, spec: str, args: argparse.Namespace, flags: ConnectionFlags
) -> None:
    """Apply flags to a worker the user built, where it leaves the setting open.

    Raises:
        UsageError: a flag would change a channel or a setting the worker already has.
    """
    channel_flags = [*flags.given(), *(["--embedded"] if args.embedded else [])]
    # A worker made without a channel opens one from the environment when it starts.
    if channel_flags and worker.channel is not None:
        raise UsageError(
            f"{spec} is a ZeebeWorker with its own channel, so {', '.join(channel_flags)} "
            "cannot apply; expose a ZeebeTaskRouter (or create the worker without a "
            "channel), or drop those flags"
        )
    if channel_flags:
        os.environ.update(flags.environment())
    for flag, attribute, value in (
        ("--name", "name", args.name),
        ("--tenant", "tenant_ids", _tenants(args)),
    ):
        if value is None:
            continue
        current = getattr(worker, attribute)
        if current is not None and current != value:
            raise UsageError(
                f"{spec} already sets {attribute}={current!r}; drop {flag} or the argument"
            )
        setattr(worker, attribute, value)


def _a(noun: str) -> str:
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def _tenants(args: argparse.Namespace) -> list[str] | None:
    if not args.tenants:
        return None
    return [t.strip() for arg in args.tenants for t in arg.split(",") if t.strip()]


def _worker_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if args.name:
        kwargs["name"] = args.name
    if (tenants := _tenants(args)) is not None:
        kwargs["tenant_ids"] = tenants
    return kwargs


def _metrics(args: argparse.Namespace) -> WorkerMetrics | None:
    """Prometheus metrics for ``/metrics`` when it is served and the extra is installed."""
    if args.http_port is None:
        return None
    from zeebe_router.observability import PrometheusMetrics

    try:
        return PrometheusMetrics()
    except ImportError:
        return None


async def _work(worker: ZeebeWorker, grace_period: float, *, supervised: bool = False) -> int:
    loop = asyncio.get_running_loop()
    stopping: list[asyncio.Task[Any]] = []

    def drain(why: str, then: str = "") -> None:
        log.info("%s: draining (grace period %g s)%s", why, grace_period, then)
        stopping.append(loop.create_task(worker.stop(grace_period=grace_period)))

    def on_signal(sig: signal.Signals) -> None:
        if stopping:
            log.warning("%s received again: exiting without draining", sig.name)
            logging.shutdown()
            os._exit(128 + sig.value)
        drain(f"{sig.name} received", "; send it again to exit at once")

    def on_supervisor_pipe() -> None:
        if os.read(_STDIN, 4096):
            return
        loop.remove_reader(_STDIN)
        if not stopping:
            drain("the supervising process is gone")

    for sig in _SIGNALS:
        loop.add_signal_handler(sig, on_signal, sig)
    if supervised:
        loop.add_reader(_STDIN, on_supervisor_pipe)
    try:
        log.info("worker starting: tasks %s", ", ".join(t.type for t in worker.tasks))
        try:
            await worker.work()
        except WorkerError as exc:
            raise CliError(str(exc)) from exc
        report = await (stopping[0] if stopping else worker.stop(grace_period=grace_period))
    finally:
        for sig in _SIGNALS:
            loop.remove_signal_handler(sig)
        if supervised:
            loop.remove_reader(_STDIN)
    expired = ", grace period ran out" if report.grace_period_expired else ""
    log.info(
        "worker stopped: %d jobs finished, %d handed back%s",
        report.finished,
        report.handed_back,
        expired,
    )
    sys.stdout.flush()
    return 0
