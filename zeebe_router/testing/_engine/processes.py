"""Process definitions and instances: deployment, and token execution of the BPMN subset."""

from __future__ import annotations

import copy
import logging
from collections import Counter, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from zeebe_router.testing._engine.bpmn import (
    BpmnParseError,
    EndEvent,
    ErrorBoundaryEvent,
    ExclusiveGateway,
    IoMapping,
    ParallelGateway,
    ProcessDefinition,
    ServiceTask,
    StartEvent,
    parse_bpmn,
)
from zeebe_router.testing._engine.engine import Engine, Incident
from zeebe_router.testing._engine.feel import FeelError
from zeebe_router.testing._engine.jobs import JobRecord, JobState, ProcessLink
from zeebe_router.testing._engine.rejection import Rejection
from zeebe_router.testing._engine.scopes import Scope
from zeebe_router.testing._engine.snapshots import DeployedProcess, InstanceSnapshot

__all__ = ["Deployment", "Instance", "ProcessRuntime"]

log = logging.getLogger("zeebe_router.testing.gateway")

ACTIVE, COMPLETED, TERMINATED = "ACTIVE", "COMPLETED", "TERMINATED"

_UNSUPPORTED_SUFFIXES = {
    ".dmn": "DMN decisions",
    ".form": "forms",
    ".rpa": "RPA scripts",
}


@dataclass(frozen=True)
class Deployment:
    """The result of one deployment: its key and the processes it holds."""

    key: int
    tenant_id: str
    processes: tuple[DeployedProcess, ...]


@dataclass(eq=False)
class _Definition:
    process: ProcessDefinition
    info: DeployedProcess


@dataclass(eq=False)
class _ElementInstance:
    key: int
    element_id: str
    scope: Scope
    job_key: int | None = None
    pending: Mapping[str, Any] | None = None  # completion variables awaiting output mappings


@dataclass(eq=False)
class Instance:
    """A running or finished process instance."""

    key: int
    definition: _Definition
    root: Scope
    state: str = ACTIVE
    visited: list[str] = field(default_factory=list)
    active: dict[int, _ElementInstance] = field(default_factory=dict)
    joins: dict[str, Counter[str]] = field(default_factory=dict)
    incident_keys: list[int] = field(default_factory=list)
    stuck: dict[int, tuple[str, str | None, int]] = field(default_factory=dict)

    @property
    def bpmn(self) -> ProcessDefinition:
        """The definition this instance runs."""
        return self.definition.process


def _assign(target: dict[str, Any], path: Sequence[str], value: Any) -> None:
    """Set ``value`` at a dotted ``path`` inside ``target``, creating contexts on the way."""
    node = target
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[path[-1]] = value


def _apply_mappings(
    mappings: Sequence[IoMapping], source: Mapping[str, Any], base: Mapping[str, Any]
) -> dict[str, Any]:
    """Evaluate mappings against ``source``; nested targets merge into ``base``'s contexts."""
    result: dict[str, Any] = {}
    for mapping in mappings:
        value = mapping.source.evaluate(source)
        path = mapping.target_path
        if len(path) > 1 and path[0] not in result and isinstance(base.get(path[0]), dict):
            result[path[0]] = copy.deepcopy(base[path[0]])
        _assign(result, path, value)
    return result


class ProcessRuntime:
    """Deploys BPMN and runs instances; plugs into the engine's job answers as its hooks."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        engine.hooks = self
        self._versions: dict[tuple[str, str], list[_Definition]] = {}
        self._definitions: dict[int, _Definition] = {}
        self.instances: dict[int, Instance] = {}
        self._element_owner: dict[int, Instance] = {}
        self._finished: deque[int] = deque()

    # -- deployment ---------------------------------------------------------------------------

    def deploy(self, resources: Sequence[tuple[str, bytes]], tenant_id: str) -> Deployment:
        """Deploy BPMN resources at once: all of them or, on any error, none.

        Raises:
            Rejection: INVALID_ARGUMENT when there is no resource, a resource is not BPMN, or a
                BPMN document cannot be parsed (the message names the resource and the problem).
        """
        if not resources:
            raise Rejection.invalid("Expected to deploy at least one resource, but none given")
        parsed: list[tuple[str, ProcessDefinition]] = []
        for name, content in resources:
            lowered = name.lower()
            for suffix, what in _UNSUPPORTED_SUFFIXES.items():
                if lowered.endswith(suffix):
                    raise Rejection.invalid(
                        f"Expected to deploy new resources, but resource '{name}' holds {what}, "
                        "which the embedded gateway does not support (only BPMN processes)"
                    )
            if not lowered.endswith((".bpmn", ".xml")):
                raise Rejection.invalid(
                    f"Expected to deploy new resources, but resource '{name}' is neither a "
                    "BPMN (.bpmn, .xml) file nor another supported type"
                )
            try:
                definitions = parse_bpmn(content, name)
            except BpmnParseError as exc:
                raise Rejection.invalid(
                    f"Expected to deploy new resources, but encountered the following errors:\n"
                    f"'{name}': {exc}"
                ) from None
            parsed.extend((name, definition) for definition in definitions)
        ids = [definition.bpmn_process_id for _, definition in parsed]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise Rejection.invalid(
                "Expected to deploy new resources, but found duplicate process id(s) "
                f"{', '.join(duplicates)} in one deployment"
            )
        deployed = tuple(self._register(name, d, tenant_id).info for name, d in parsed)
        deployment = Deployment(self._engine.next_key(), tenant_id, deployed)
        for info in deployed:
            log.info(
                "deployed %s version %s (key %s) from %s",
                info.bpmn_process_id,
                info.version,
                info.process_definition_key,
                info.resource_name,
            )
        return deployment

    def _register(self, name: str, process: ProcessDefinition, tenant_id: str) -> _Definition:
        versions = self._versions.setdefault((tenant_id, process.bpmn_process_id), [])
        if versions and versions[-1].process.checksum == process.checksum:
            return versions[-1]
        info = DeployedProcess(
            process.bpmn_process_id, len(versions) + 1, self._engine.next_key(), name, tenant_id
        )
        definition = _Definition(process, info)
        versions.append(definition)
        self._definitions[info.process_definition_key] = definition
        return definition

    def processes(self) -> list[DeployedProcess]:
        """Every deployed process version, oldest first."""
        return [d.info for d in self._definitions.values()]

    # -- instances ----------------------------------------------------------------------------

    def find_definition(
        self, *, key: int, bpmn_process_id: str, version: int, tenant_id: str
    ) -> _Definition:
        """The definition to start, by key or by id and version (-1: the latest).

        Raises:
            Rejection: INVALID_ARGUMENT when neither key nor id is given or the version is
                below -1; NOT_FOUND when there is no such definition.
        """
        if key > 0:
            definition = self._definitions.get(key)
            if definition is None or definition.info.tenant_id != tenant_id:
                raise Rejection.not_found(
                    f"Expected to find process definition with key '{key}', but none found"
                )
            return definition
        if not bpmn_process_id:
            raise Rejection.invalid(
                "Expected either a processDefinitionKey or a bpmnProcessId, but none given"
            )
        if version < -1:
            raise Rejection.invalid(
                f"Expected version to be -1 (latest) or a version number, but it was {version}"
            )
        versions = self._versions.get((tenant_id, bpmn_process_id), [])
        if version == -1 and versions:
            return versions[-1]
        for definition in versions:
            if definition.info.version == version:
                return definition
        which = "latest version" if version == -1 else f"version '{version}'"
        raise Rejection.not_found(
            f"Expected to find process definition with process ID '{bpmn_process_id}' and "
            f"{which}, but none found"
        )

    def create_instance(self, definition: _Definition, variables: Mapping[str, Any]) -> Instance:
        """Start an instance at the none start event and run it until it waits."""
        instance = Instance(self._engine.next_key(), definition, Scope(0, None, dict(variables)))
        instance.root.key = instance.key
        self.instances[instance.key] = instance
        log.info(
            "created instance %s of %s version %s",
            instance.key,
            definition.info.bpmn_process_id,
            definition.info.version,
        )
        self._run(instance, [(instance.bpmn.start_event, None)])
        return instance

    def require_instance(self, key: int, rpc: str) -> Instance:
        """The active instance with ``key``.

        Raises:
            Rejection: NOT_FOUND when there is no active instance with that key.
        """
        instance = self.instances.get(key)
        if instance is None or instance.state != ACTIVE:
            raise Rejection.not_found(
                f"Command '{rpc}' rejected: expected to find an active process instance with "
                f"key '{key}', but none was found"
            )
        return instance

    def cancel(self, key: int) -> None:
        """Terminate an active instance: its jobs are cancelled, its incidents resolved.

        Raises:
            Rejection: NOT_FOUND when there is no active instance with that key.
        """
        instance = self.require_instance(key, "CancelProcessInstance")
        for element in list(instance.active.values()):
            self._drop_element(instance, element)
        for incident_key in instance.incident_keys:
            self._engine.incidents[incident_key].state = "RESOLVED"
        instance.joins.clear()
        instance.state = TERMINATED
        log.info("cancelled instance %s", key)
        self._engine.watchers.changed(instance.key)
        self._retire(instance)

    def set_variables(self, element_key: int, variables: Mapping[str, Any], local: bool) -> None:
        """Set variables on an instance or one of its active elements.

        Raises:
            Rejection: NOT_FOUND when no active instance or element has that key.
        """
        scope: Scope | None = None
        instance = self.instances.get(element_key)
        if instance is not None and instance.state == ACTIVE:
            scope = instance.root
        else:
            owner = self._element_owner.get(element_key)
            if owner is not None and owner.state == ACTIVE and element_key in owner.active:
                scope = owner.active[element_key].scope
        if scope is None:
            raise Rejection.not_found(
                "Expected to update variables for element with key "
                f"'{element_key}', but no such element was found"
            )
        if local:
            scope.set_local(variables)
        else:
            scope.propagate(variables)
        self._engine.watchers.changed()

    def snapshot(self, instance: Instance) -> InstanceSnapshot:
        """A read-only copy of ``instance``."""
        info = instance.definition.info
        return InstanceSnapshot(
            key=instance.key,
            bpmn_process_id=info.bpmn_process_id,
            version=info.version,
            process_definition_key=info.process_definition_key,
            state=instance.state,
            variables=copy.deepcopy(instance.root.variables),
            visited=tuple(instance.visited),
            incidents=tuple(self._engine.incidents[k].snapshot() for k in instance.incident_keys),
        )

    # -- hooks for process jobs ---------------------------------------------------------------

    def variables_of(self, job: JobRecord) -> Mapping[str, Any]:
        """The variables visible to the job's task (the instance's, once the task is over)."""
        found = self._element(job)
        if found is not None:
            return found[1].scope.visible()
        instance = self.instances.get(job.process.process_instance_key) if job.process else None
        return instance.root.variables if instance is not None else {}

    def job_completed(self, job: JobRecord, variables: Mapping[str, Any]) -> None:
        """Apply the task's output mappings (or merge the variables) and move on."""
        found = self._element(job)
        if found is None:
            return
        instance, element = found
        element.job_key = None
        element.pending = dict(variables)
        self._finish_task(instance, element)

    def job_failed(self, job: JobRecord, variables: Mapping[str, Any]) -> None:
        """Set a failure's variables at the task's local scope."""
        found = self._element(job)
        if found is not None:
            found[1].scope.set_local(variables)

    def error_thrown(
        self, job: JobRecord, code: str, message: str, variables: Mapping[str, Any]
    ) -> bool:
        """Let a matching error boundary event take over from the task."""
        found = self._element(job)
        if found is None:
            return False
        instance, element = found
        boundary = instance.bpmn.catching_boundary(element.element_id, code)
        if boundary is None:
            return False
        self._remove_element(instance, element)
        instance.root.propagate(variables)
        self._run(instance, [(boundary.id, None)])
        return True

    def incident_raised(self, incident: Incident) -> None:
        """Note the incident on its instance."""
        if incident.process_instance_key is None:
            return
        instance = self.instances.get(incident.process_instance_key)
        if instance is not None:
            instance.incident_keys.append(incident.key)

    def incident_resolved(self, incident: Incident) -> None:
        """Retry the element whose evaluation raised the incident."""
        instance = self.instances.get(incident.process_instance_key or 0)
        if instance is None or instance.state != ACTIVE:
            return
        stuck = instance.stuck.pop(incident.key, None)
        if stuck is None:
            return
        element_id, via, element_key = stuck
        element = instance.active.get(element_key)
        if element is not None and element.pending is not None:
            self._finish_task(instance, element)
            return
        if element is not None:
            self._remove_element(instance, element)
        self._run(instance, [(element_id, via)])

    # -- execution ----------------------------------------------------------------------------

    def _element(self, job: JobRecord) -> tuple[Instance, _ElementInstance] | None:
        link = job.process
        if link is None:
            return None
        instance = self.instances.get(link.process_instance_key)
        if instance is None or instance.state != ACTIVE:
            return None
        element = instance.active.get(link.element_instance_key)
        return None if element is None else (instance, element)

    def _new_element(self, instance: Instance, element_id: str) -> _ElementInstance:
        key = self._engine.next_key()
        element = _ElementInstance(key, element_id, Scope(key, instance.root))
        instance.active[key] = element
        self._element_owner[key] = instance
        return element

    def _remove_element(self, instance: Instance, element: _ElementInstance) -> None:
        instance.active.pop(element.key, None)
        self._element_owner.pop(element.key, None)

    def _drop_element(self, instance: Instance, element: _ElementInstance) -> None:
        if element.job_key is not None:
            job = self._engine.board.jobs[element.job_key]
            job.incident_key = None
            if job.state not in (JobState.COMPLETED, JobState.CANCELED):
                self._engine.board.set_state(job, JobState.CANCELED)
                self._engine.retire(job)
        self._remove_element(instance, element)

    def _stuck(
        self,
        instance: Instance,
        element: _ElementInstance,
        via: str | None,
        incident_type: str,
        message: str,
    ) -> None:
        incident = self._engine.raise_incident(
            incident_type,
            message,
            element_id=element.element_id,
            process_instance_key=instance.key,
            element_instance_key=element.key,
        )
        instance.stuck[incident.key] = (element.element_id, via, element.key)

    def _finish_task(self, instance: Instance, element: _ElementInstance) -> None:
        task = instance.bpmn.elements[element.element_id]
        variables = element.pending or {}
        if isinstance(task, ServiceTask) and task.outputs:
            element.scope.set_local(variables)
            try:
                outputs = _apply_mappings(
                    task.outputs, element.scope.visible(), instance.root.visible()
                )
            except FeelError as exc:
                self._stuck(
                    instance,
                    element,
                    None,
                    "IO_MAPPING_ERROR",
                    f"Failed to apply the output mappings of '{task.id}': {exc}",
                )
                return
            instance.root.propagate(outputs)
        else:
            # As Zeebe does: a variable the task holds locally (an input mapping) is updated
            # there and ends with the task; the others go where they exist, else the root.
            element.scope.propagate(variables)
        self._remove_element(instance, element)
        self._run(instance, [(flow, "") for flow in instance.bpmn.outgoing[element.element_id]])

    def _run(self, instance: Instance, tokens: Sequence[tuple[str, str | None]]) -> None:
        """Move tokens until every one waits (task, join, incident) or ends.

        A token is ``(element_id, via)``; ``via == ""`` marks ``element_id`` as a sequence flow
        still to be taken.
        """
        queue: deque[tuple[str, str | None]] = deque(tokens)
        bpmn = instance.bpmn
        while queue and instance.state == ACTIVE:
            target, via = queue.popleft()
            if via == "":
                flow = bpmn.flows[target]
                queue.append((flow.target, flow.id))
                continue
            node = bpmn.elements[target]
            if isinstance(node, ParallelGateway) and len(bpmn.incoming[target]) > 1:
                arrived = instance.joins.setdefault(target, Counter())
                arrived[via or ""] += 1
                if not all(arrived[f] > 0 for f in bpmn.incoming[target]):
                    continue
                for flow_id in bpmn.incoming[target]:
                    arrived[flow_id] -= 1
                arrived += Counter()  # drop zero counts
                if not arrived:
                    del instance.joins[target]
            instance.visited.append(target)
            queue.extend(self._step(instance, node, via))
        self._maybe_complete(instance)
        self._engine.watchers.changed()

    def _step(
        self,
        instance: Instance,
        node: StartEvent
        | EndEvent
        | ServiceTask
        | ExclusiveGateway
        | ParallelGateway
        | ErrorBoundaryEvent,
        via: str | None,
    ) -> list[tuple[str, str | None]]:
        bpmn = instance.bpmn
        leave: list[tuple[str, str | None]] = [(flow, "") for flow in bpmn.outgoing[node.id]]
        if isinstance(node, ServiceTask):
            self._start_task(instance, node, via)
            return []
        if isinstance(node, ExclusiveGateway):
            return self._choose(instance, node, via)
        if isinstance(node, EndEvent) and node.error_code is not None:
            element = self._new_element(instance, node.id)
            self._stuck(
                instance,
                element,
                via,
                "UNHANDLED_ERROR_EVENT",
                f"Expected to throw an error event with the code '{node.error_code}' from "
                f"'{node.id}', but it was not caught. No error events are available in the scope.",
            )
            return []
        return leave

    def _start_task(self, instance: Instance, task: ServiceTask, via: str | None) -> None:
        element = self._new_element(instance, task.id)
        try:
            inputs = _apply_mappings(task.inputs, instance.root.visible(), {})
        except FeelError as exc:
            self._stuck(
                instance,
                element,
                via,
                "IO_MAPPING_ERROR",
                f"Failed to apply the input mappings of '{task.id}': {exc}",
            )
            return
        element.scope.set_local(inputs)
        info = instance.definition.info
        job = self._engine.create_job(
            task.job_type,
            headers=task.headers,
            retries=max(task.retries, 1),
            tenant_id=info.tenant_id,
            process=ProcessLink(
                instance.key,
                info.bpmn_process_id,
                info.version,
                info.process_definition_key,
                task.id,
                element.key,
            ),
        )
        element.job_key = job.key

    def _choose(
        self, instance: Instance, gateway: ExclusiveGateway, via: str | None
    ) -> list[tuple[str, str | None]]:
        bpmn = instance.bpmn
        variables = instance.root.visible()
        for flow_id in bpmn.outgoing[gateway.id]:
            flow = bpmn.flows[flow_id]
            if flow_id == gateway.default_flow or flow.condition is None:
                continue
            try:
                taken = flow.condition.evaluate(variables) is True
            except FeelError as exc:
                element = self._new_element(instance, gateway.id)
                self._stuck(
                    instance,
                    element,
                    via,
                    "CONDITION_ERROR",
                    f"Failed to evaluate the condition of flow '{flow_id}' leaving "
                    f"'{gateway.id}': {exc}",
                )
                return []
            if taken:
                return [(flow_id, "")]
        if gateway.default_flow is not None:
            return [(gateway.default_flow, "")]
        element = self._new_element(instance, gateway.id)
        self._stuck(
            instance,
            element,
            via,
            "CONDITION_ERROR",
            f"Expected at least one condition of exclusive gateway '{gateway.id}' to evaluate "
            "to true, or a default flow, but none did and there is no default flow",
        )
        return []

    def _maybe_complete(self, instance: Instance) -> None:
        if instance.state != ACTIVE or instance.active or instance.joins:
            return
        instance.state = COMPLETED
        log.info("instance %s completed", instance.key)
        self._engine.watchers.changed(instance.key)
        self._retire(instance)

    def _retire(self, instance: Instance) -> None:
        limit = self._engine.history_limit
        if limit is None:
            return
        self._finished.append(instance.key)
        while len(self._finished) > limit:
            self.instances.pop(self._finished.popleft(), None)
