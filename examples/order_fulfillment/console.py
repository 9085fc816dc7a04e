"""The demo's terminal output: a live progress bar while it runs, a summary table after."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from examples.order_fulfillment.main import PATHS, DemoResult
from examples.order_fulfillment.main import Progress as DemoProgress


class DemoConsole:
    """Shows instances started and finished as bars, then the summary."""

    def __init__(self, total: int, console: Console | None = None) -> None:
        self.console = console or Console()
        self._progress = Progress(
            TextColumn("{task.description:<22}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
            console=self.console,
        )
        self._started = self._progress.add_task("instances started", total=total, detail="")
        self._finished = self._progress.add_task("instances finished", total=total, detail="")

    def __enter__(self) -> DemoConsole:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def update(self, progress: DemoProgress) -> None:
        """Move the bars."""
        self._progress.update(self._started, completed=progress.started)
        self._progress.update(
            self._finished,
            completed=progress.finished,
            detail=f"{progress.jobs_answered:,} jobs answered",
        )

    def summary(self, result: DemoResult) -> None:
        """Print instances per path, incidents, jobs and latency."""
        paths = Table(title=f"{result.instances:,} order-fulfillment instances")
        paths.add_column("ended", style="bold")
        paths.add_column("instances", justify="right")
        for name in PATHS.values():
            paths.add_row(name, f"{result.paths[name]:,}")
        paths.add_row("incident (still open)", f"{len(result.incidents):,}", style="red")

        jobs = Table(title="jobs")
        jobs.add_column("measure", style="bold")
        jobs.add_column("value", justify="right")
        jobs.add_row("completed", f"{result.jobs['complete']:,}")
        jobs.add_row("failed (retried or incident)", f"{result.jobs['fail']:,}")
        jobs.add_row("BPMN errors thrown", f"{result.jobs['error']:,}")
        jobs.add_row("jobs/s", f"{result.jobs_per_second:,.0f}")
        jobs.add_row("p50 job latency", f"{result.p50_ms:.1f} ms")
        jobs.add_row("p99 job latency", f"{result.p99_ms:.1f} ms")
        jobs.add_row("wall time", f"{result.seconds:.1f} s")

        self.console.print(paths)
        self.console.print(jobs)
        for incident in result.incidents:
            self.console.print(
                f"[red]incident[/red] {incident.type} at {incident.element_id} "
                f"(instance {incident.process_instance_key}): {incident.message}"
            )
