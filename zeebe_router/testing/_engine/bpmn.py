"""BPMN 2.0 XML to an immutable process model, for the subset the embedded engine executes.

Supported inside an executable ``bpmn:process``: none start events, none and error end events,
service tasks (``zeebe:taskDefinition``, ``zeebe:taskHeaders``, ``zeebe:ioMapping``), exclusive
gateways with FEEL conditions and a default flow, parallel gateways, interrupting error boundary
events on service tasks, and sequence flows. Diagram information, documentation, lanes, text
annotations and unknown extension elements are ignored; any other flow element is refused.

The XML is untrusted: documents with a DOCTYPE or ENTITY declaration are refused before parsing
(nothing is ever expanded or fetched), and size, element count and nesting depth are bounded.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from zeebe_router.testing._engine.feel import Expression, FeelError, compile_expression

__all__ = [
    "BPMN_NAMESPACE",
    "MAX_DOCUMENT_BYTES",
    "MAX_XML_DEPTH",
    "MAX_XML_ELEMENTS",
    "ZEEBE_NAMESPACE",
    "BpmnParseError",
    "Element",
    "EndEvent",
    "ErrorBoundaryEvent",
    "ExclusiveGateway",
    "IoMapping",
    "ParallelGateway",
    "ProcessDefinition",
    "SequenceFlow",
    "ServiceTask",
    "StartEvent",
    "parse_bpmn",
]

BPMN_NAMESPACE = "http://www.omg.org/spec/BPMN/20100524/MODEL"
ZEEBE_NAMESPACE = "http://camunda.org/schema/zeebe/1.0"

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
"""Largest BPMN document accepted."""

MAX_XML_ELEMENTS = 100_000
"""Most XML elements (diagram shapes and waypoints included) accepted in one document."""

MAX_XML_DEPTH = 64
"""Deepest nesting of XML elements accepted."""

DEFAULT_RETRIES = 3
"""Retries of a service task's jobs when ``zeebe:taskDefinition`` does not set them."""

_CHUNK = 64 * 1024
_ENCODINGS = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})
_ENCODING_DECLARATION = re.compile(rb"""\A\s*<\?xml[^>]*?\bencoding\s*=\s*["']([^"']*)["']""")

# Children of a process that carry no execution semantics.
_IGNORED = frozenset(
    {
        "documentation",
        "extensionElements",
        "laneSet",
        "textAnnotation",
        "association",
        "group",
        "dataObject",
        "dataObjectReference",
        "dataStoreReference",
        "property",
        "ioSpecification",
        "auditing",
        "monitoring",
        "supports",
        "correlationSubscription",
    }
)

_SUPPORTED = frozenset(
    {
        "startEvent",
        "endEvent",
        "serviceTask",
        "exclusiveGateway",
        "parallelGateway",
        "boundaryEvent",
        "sequenceFlow",
    }
)

# Children of a flow element that would change how it behaves.
_LOOPS = frozenset({"multiInstanceLoopCharacteristics", "standardLoopCharacteristics"})


class BpmnParseError(ValueError):
    """Raised when a BPMN resource is malformed, hostile or uses unsupported elements.

    The message names the resource and, where there is one, the element's tag and id: fix the
    diagram (or remove the unsupported element) and deploy again.
    """


# --- the model -------------------------------------------------------------------------


@dataclass(frozen=True)
class SequenceFlow:
    """A sequence flow; ``condition`` is set on flows leaving an exclusive gateway."""

    id: str
    source: str
    target: str
    condition: Expression | None


@dataclass(frozen=True)
class IoMapping:
    """One ``zeebe:input`` or ``zeebe:output``: evaluate ``source``, store it at ``target``."""

    source: Expression
    target: str

    @property
    def target_path(self) -> tuple[str, ...]:
        """The target split at dots: ``"order.total"`` is ``("order", "total")``."""
        return tuple(self.target.split("."))


@dataclass(frozen=True)
class StartEvent:
    """The process's none start event."""

    id: str
    name: str


@dataclass(frozen=True)
class EndEvent:
    """A none end event, or an error end event throwing ``error_code``."""

    id: str
    name: str
    error_code: str | None


@dataclass(frozen=True)
class ServiceTask:
    """A service task: each activation creates a job of ``job_type``."""

    id: str
    name: str
    job_type: str
    retries: int
    headers: Mapping[str, str] = field(hash=False)
    inputs: tuple[IoMapping, ...]
    outputs: tuple[IoMapping, ...]


@dataclass(frozen=True)
class ExclusiveGateway:
    """Takes the first outgoing flow whose condition is true, else ``default_flow``."""

    id: str
    name: str
    default_flow: str | None


@dataclass(frozen=True)
class ParallelGateway:
    """Forks to every outgoing flow; joins by waiting for every incoming flow."""

    id: str
    name: str


@dataclass(frozen=True)
class ErrorBoundaryEvent:
    """An interrupting error boundary event; ``error_code`` ``None`` catches every error."""

    id: str
    name: str
    attached_to: str
    error_code: str | None


Element = (
    StartEvent | EndEvent | ServiceTask | ExclusiveGateway | ParallelGateway | ErrorBoundaryEvent
)


@dataclass(frozen=True)
class ProcessDefinition:
    """One executable process, validated and read-only.

    ``outgoing`` and ``incoming`` have an entry (possibly empty) for every element, in document
    order; ``boundary_events`` has one for every service task. ``checksum`` depends only on
    what the process does, not on its layout, so redeploying it unchanged can keep its version.
    """

    bpmn_process_id: str
    name: str
    elements: Mapping[str, Element] = field(hash=False)
    flows: Mapping[str, SequenceFlow] = field(hash=False)
    outgoing: Mapping[str, tuple[str, ...]] = field(hash=False)
    incoming: Mapping[str, tuple[str, ...]] = field(hash=False)
    start_event: str
    boundary_events: Mapping[str, tuple[str, ...]] = field(hash=False)
    checksum: str

    def catching_boundary(self, activity_id: str, error_code: str) -> ErrorBoundaryEvent | None:
        """The boundary event of ``activity_id`` that catches ``error_code``, if any.

        An event with exactly that code wins over a catch-all one (without a code).
        """
        catch_all = None
        for event_id in self.boundary_events.get(activity_id, ()):
            event = self.elements[event_id]
            if not isinstance(event, ErrorBoundaryEvent):
                continue
            if event.error_code == error_code:
                return event
            if event.error_code is None:
                catch_all = event
        return catch_all


# --- reading XML safely ----------------------------------------------------------------


class _BoundedTreeBuilder(ET.TreeBuilder):
    """Builds the tree while counting elements and depth, so absurd documents stop early."""

    def __init__(self, resource: str) -> None:
        super().__init__()
        self._resource = resource
        self._count = 0
        self._depth = 0

    def start(self, tag: str, attrs: dict[str, str], /) -> ET.Element:
        self._count += 1
        self._depth += 1
        if self._count > MAX_XML_ELEMENTS:
            raise _error(self._resource, f"more than {MAX_XML_ELEMENTS} XML elements")
        if self._depth > MAX_XML_DEPTH:
            raise _error(self._resource, f"XML elements nested deeper than {MAX_XML_DEPTH}")
        return super().start(tag, attrs)

    def end(self, tag: str, /) -> ET.Element:
        self._depth -= 1
        return super().end(tag)


def _read_xml(data: bytes, resource: str) -> ET.Element:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise _error(resource, f"expected the document as bytes, not {type(data).__name__}")
    raw = bytes(data)
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise _error(
            resource, f"document of {len(raw)} bytes is larger than {MAX_DOCUMENT_BYTES} bytes"
        )
    if not raw.strip():
        raise _error(resource, "document is empty")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _error(
            resource, f"document is not UTF-8 (invalid byte at offset {exc.start})"
        ) from None
    lowered = raw.lower()
    for declaration in (b"<!doctype", b"<!entity"):
        if declaration in lowered:
            raise _error(
                resource,
                f"document contains a {declaration[2:].decode().upper()} declaration; DTDs "
                "and entities are refused, never expanded",
            )
    declared = _ENCODING_DECLARATION.match(raw.removeprefix(b"\xef\xbb\xbf"))
    if declared and declared.group(1).decode("ascii", "replace").lower() not in _ENCODINGS:
        raise _error(resource, "document declares an encoding other than UTF-8")
    parser = ET.XMLParser(target=_BoundedTreeBuilder(resource))
    try:
        for offset in range(0, len(raw), _CHUNK):
            parser.feed(raw[offset : offset + _CHUNK])
        return parser.close()
    except ET.ParseError as exc:
        raise _error(resource, f"document is not well-formed XML: {exc}") from None


# --- reading the model -----------------------------------------------------------------


def parse_bpmn(data: bytes, resource_name: str) -> list[ProcessDefinition]:
    """Read every executable process of a BPMN document.

    Processes with ``isExecutable="false"`` (or without the attribute) are skipped.

    Raises:
        BpmnParseError: when the document is not well-formed UTF-8 XML, declares a DTD or
            entities, is too large, is not BPMN 2.0, has no executable process, or a process
            uses an unsupported element or is inconsistent; the message says which and where.
    """
    root = _read_xml(data, resource_name)
    if root.tag != _bpmn("definitions"):
        raise _error(
            resource_name,
            f"root element is {_display(root.tag)!r}, expected 'bpmn:definitions' in the BPMN "
            f"2.0 namespace {BPMN_NAMESPACE}",
        )
    errors = _read_errors(root, resource_name)
    processes = [child for child in root if child.tag == _bpmn("process")]
    executable = [p for p in processes if p.get("isExecutable", "").strip().lower() == "true"]
    if not executable:
        raise _error(
            resource_name,
            'no executable process: mark the process isExecutable="true"'
            if processes
            else "no bpmn:process element",
        )
    definitions: list[ProcessDefinition] = []
    for process in executable:
        definition = _ProcessReader(process, errors, resource_name).read()
        if any(d.bpmn_process_id == definition.bpmn_process_id for d in definitions):
            raise _error(
                resource_name, f"more than one process with id {definition.bpmn_process_id!r}"
            )
        definitions.append(definition)
    return definitions


def _read_errors(root: ET.Element, resource: str) -> dict[str, str | None]:
    """Map each ``bpmn:error`` id to its error code (``None`` when it has none)."""
    codes: dict[str, str | None] = {}
    for element in root.iterfind(_bpmn("error")):
        error_id = _required_id(element, resource)
        code = element.get("errorCode", "").strip() or None
        if code is not None and code.startswith("="):
            raise _error(
                resource,
                f"error code {code!r} of 'bpmn:error' (id {error_id!r}) is an expression; "
                "only static error codes are supported",
            )
        codes[error_id] = code
    return codes


class _ProcessReader:
    """Reads and validates one ``bpmn:process`` element."""

    def __init__(
        self, process: ET.Element, errors: Mapping[str, str | None], resource: str
    ) -> None:
        self.process = process
        self.errors = errors
        self.resource = resource
        self.process_id = _required_id(process, resource)
        self.elements: dict[str, Element] = {}
        self.flows: dict[str, SequenceFlow] = {}

    def fail(self, problem: str) -> BpmnParseError:
        return _error(self.resource, f"{problem} (process {self.process_id!r})")

    def read(self) -> ProcessDefinition:
        flow_elements: list[ET.Element] = []
        seen: set[str] = set()
        for child in self.process:
            namespace, local = _split(child.tag)
            if namespace != BPMN_NAMESPACE or local in _IGNORED:
                continue
            if local not in _SUPPORTED:
                raise self.unsupported(child)
            element_id = _required_id(child, self.resource)
            if element_id in seen:
                raise self.fail(f"more than one element with id {element_id!r}")
            seen.add(element_id)
            if local == "sequenceFlow":
                flow_elements.append(child)
            else:
                self.elements[element_id] = self.read_element(child, local, element_id)
        for child in flow_elements:
            flow = self.read_flow(child)
            self.flows[flow.id] = flow
        return self.build()

    # elements

    def read_element(self, child: ET.Element, local: str, element_id: str) -> Element:
        name = child.get("name", "")
        for grandchild in child:
            namespace, grandchild_local = _split(grandchild.tag)
            if namespace == BPMN_NAMESPACE and grandchild_local in _LOOPS:
                raise self.unsupported(child, f"with {_display(grandchild.tag)!r}")
        definitions = _event_definitions(child)
        if local == "startEvent":
            if definitions:
                raise self.unsupported(child, f"with {_display(definitions[0].tag)!r}")
            return StartEvent(element_id, name)
        if local == "endEvent":
            return EndEvent(element_id, name, self.end_error_code(child, definitions))
        if local == "serviceTask":
            return self.read_service_task(child, element_id, name)
        if local == "exclusiveGateway":
            return ExclusiveGateway(element_id, name, child.get("default") or None)
        if local == "parallelGateway":
            return ParallelGateway(element_id, name)
        if local == "boundaryEvent":
            return self.read_boundary_event(child, element_id, name, definitions)
        raise self.unsupported(child)

    def unsupported(self, element: ET.Element, detail: str = "") -> BpmnParseError:
        suffix = f" {detail}" if detail else ""
        return self.fail(
            f"unsupported element {_display(element.tag)!r} (id {element.get('id', '')!r})"
            f"{suffix}; supported are none start events, none and error end events, service "
            "tasks, exclusive and parallel gateways, error boundary events and sequence flows"
        )

    def end_error_code(self, element: ET.Element, definitions: list[ET.Element]) -> str | None:
        if not definitions:
            return None
        definition = definitions[0]
        if len(definitions) > 1 or definition.tag != _bpmn("errorEventDefinition"):
            raise self.unsupported(element, f"with {_display(definition.tag)!r}")
        code = self.referenced_error_code(element, definition)
        if code is None:
            raise self.fail(
                f"error end event {element.get('id')!r} must reference a bpmn:error with an "
                "errorCode"
            )
        return code

    def referenced_error_code(self, element: ET.Element, definition: ET.Element) -> str | None:
        error_ref = definition.get("errorRef", "").strip()
        if not error_ref:
            return None
        if error_ref not in self.errors:
            raise self.fail(
                f"{_display(element.tag)!r} (id {element.get('id')!r}) references error "
                f"{error_ref!r}, which is not defined"
            )
        return self.errors[error_ref]

    def read_service_task(self, task: ET.Element, task_id: str, name: str) -> ServiceTask:
        extensions = task.find(_bpmn("extensionElements"))
        definition = None if extensions is None else extensions.find(_zeebe("taskDefinition"))
        where = f"service task {task_id!r}"
        if definition is None:
            raise self.fail(f"{where} has no zeebe:taskDefinition")
        job_type = definition.get("type", "").strip()
        if not job_type:
            raise self.fail(f"{where} has a zeebe:taskDefinition without a type")
        if job_type.startswith("="):
            raise self.fail(
                f"{where} has the job type expression {job_type!r}; only static job types are "
                "supported"
            )
        retries_text = definition.get("retries", str(DEFAULT_RETRIES)).strip()
        if not retries_text.isdecimal() or not retries_text.isascii():
            raise self.fail(
                f"{where} has retries {retries_text!r}; only a static whole number >= 0 is "
                "supported"
            )
        assert extensions is not None  # a task definition was found inside them
        return ServiceTask(
            id=task_id,
            name=name,
            job_type=job_type,
            retries=int(retries_text),
            headers=self.read_headers(extensions, where),
            inputs=self.read_mappings(extensions, "input", where),
            outputs=self.read_mappings(extensions, "output", where),
        )

    def read_headers(self, extensions: ET.Element, where: str) -> Mapping[str, str]:
        headers: dict[str, str] = {}
        for header in extensions.iterfind(f"{_zeebe('taskHeaders')}/{_zeebe('header')}"):
            key = header.get("key", "")
            if not key:
                raise self.fail(f"{where} has a zeebe:header without a key")
            if key in headers:
                raise self.fail(f"{where} has more than one zeebe:header with key {key!r}")
            headers[key] = header.get("value", "")
        return MappingProxyType(headers)

    def read_mappings(self, extensions: ET.Element, kind: str, where: str) -> tuple[IoMapping, ...]:
        mappings: list[IoMapping] = []
        for mapping in extensions.iterfind(f"{_zeebe('ioMapping')}/{_zeebe(kind)}"):
            target = mapping.get("target", "").strip()
            if not _is_variable_path(target):
                raise self.fail(
                    f"{where} has a zeebe:{kind} with target {target!r}; expected a variable "
                    "name or a dotted path of names"
                )
            source = mapping.get("source", "").strip()
            try:
                expression = _mapping_source(source)
            except FeelError as exc:
                raise self.fail(f"{where} has a zeebe:{kind} for {target!r} that {exc}") from None
            mappings.append(IoMapping(expression, target))
        return tuple(mappings)

    def read_boundary_event(
        self, event: ET.Element, event_id: str, name: str, definitions: list[ET.Element]
    ) -> ErrorBoundaryEvent:
        if len(definitions) != 1 or definitions[0].tag != _bpmn("errorEventDefinition"):
            detail = (
                f"with {_display(definitions[-1].tag)!r}"
                if definitions
                else "without an event definition"
            )
            raise self.unsupported(event, detail)
        if event.get("cancelActivity", "true").strip().lower() != "true":
            raise self.fail(
                f'error boundary event {event_id!r} has cancelActivity="false"; error '
                "boundary events always interrupt the activity"
            )
        attached_to = event.get("attachedToRef", "").strip()
        if not attached_to:
            raise self.fail(f"boundary event {event_id!r} has no attachedToRef")
        return ErrorBoundaryEvent(
            event_id, name, attached_to, self.referenced_error_code(event, definitions[0])
        )

    # flows

    def read_flow(self, element: ET.Element) -> SequenceFlow:
        flow_id = element.get("id", "")
        ends: list[str] = []
        for attribute in ("sourceRef", "targetRef"):
            ref = element.get(attribute, "").strip()
            if not ref:
                raise self.fail(f"sequence flow {flow_id!r} has no {attribute}")
            if ref not in self.elements:
                raise self.fail(
                    f"sequence flow {flow_id!r} points at missing element {ref!r} ({attribute})"
                )
            ends.append(ref)
        condition_element = element.find(_bpmn("conditionExpression"))
        condition = None
        if condition_element is not None:
            text = (condition_element.text or "").strip().removeprefix("=").strip()
            try:
                condition = compile_expression(text)
            except FeelError as exc:
                raise self.fail(f"sequence flow {flow_id!r} has a condition that {exc}") from None
        return SequenceFlow(flow_id, ends[0], ends[1], condition)

    # validation and assembly

    def build(self) -> ProcessDefinition:
        outgoing: dict[str, list[str]] = {element_id: [] for element_id in self.elements}
        incoming: dict[str, list[str]] = {element_id: [] for element_id in self.elements}
        for flow in self.flows.values():
            outgoing[flow.source].append(flow.id)
            incoming[flow.target].append(flow.id)
        boundaries: dict[str, list[str]] = {
            element.id: [] for element in self.elements.values() if isinstance(element, ServiceTask)
        }
        starts = [e.id for e in self.elements.values() if isinstance(e, StartEvent)]
        if not starts:
            raise self.fail("no none start event")
        if len(starts) > 1:
            raise self.fail(f"more than one none start event: {', '.join(map(repr, starts))}")
        for element in self.elements.values():
            self.check_element(element, outgoing[element.id], incoming[element.id], boundaries)
        for flow in self.flows.values():
            source = self.elements[flow.source]
            if flow.condition is not None and not isinstance(source, ExclusiveGateway):
                raise self.fail(
                    f"sequence flow {flow.id!r} has a condition but leaves {flow.source!r}; "
                    "conditions are supported only on flows leaving an exclusive gateway"
                )
        return ProcessDefinition(
            bpmn_process_id=self.process_id,
            name=self.process.get("name", ""),
            elements=MappingProxyType(dict(self.elements)),
            flows=MappingProxyType(dict(self.flows)),
            outgoing=_freeze(outgoing),
            incoming=_freeze(incoming),
            start_event=starts[0],
            boundary_events=_freeze(boundaries),
            checksum=self.checksum(),
        )

    def check_element(
        self,
        element: Element,
        outgoing: list[str],
        incoming: list[str],
        boundaries: dict[str, list[str]],
    ) -> None:
        if isinstance(element, (StartEvent, ErrorBoundaryEvent)) and incoming:
            raise self.fail(f"{_kind(element)} {element.id!r} has an incoming sequence flow")
        if isinstance(element, EndEvent) and outgoing:
            raise self.fail(f"end event {element.id!r} has an outgoing sequence flow")
        if isinstance(element, ExclusiveGateway):
            self.check_exclusive_gateway(element, outgoing)
        if isinstance(element, ErrorBoundaryEvent):
            if not outgoing:
                raise self.fail(f"error boundary event {element.id!r} has no outgoing flow")
            if element.attached_to not in boundaries:
                raise self.fail(
                    f"error boundary event {element.id!r} is attached to "
                    f"{element.attached_to!r}, which is not a service task of this process"
                )
            siblings = boundaries[element.attached_to]
            for sibling in siblings:
                other = self.elements[sibling]
                if isinstance(other, ErrorBoundaryEvent) and other.error_code == element.error_code:
                    caught = repr(element.error_code) if element.error_code else "every error"
                    raise self.fail(
                        f"error boundary events {sibling!r} and {element.id!r} on "
                        f"{element.attached_to!r} both catch {caught}"
                    )
            siblings.append(element.id)

    def check_exclusive_gateway(self, gateway: ExclusiveGateway, outgoing: list[str]) -> None:
        default = gateway.default_flow
        if default is not None and default not in outgoing:
            raise self.fail(
                f"exclusive gateway {gateway.id!r} has default flow {default!r}, which is not "
                "one of its outgoing sequence flows"
            )
        if default is not None and self.flows[default].condition is not None:
            raise self.fail(
                f"default flow {default!r} of exclusive gateway {gateway.id!r} has a condition"
            )
        if len(outgoing) > 1:
            for flow_id in outgoing:
                if flow_id != default and self.flows[flow_id].condition is None:
                    raise self.fail(
                        f"sequence flow {flow_id!r} leaves exclusive gateway {gateway.id!r} "
                        "with neither a condition nor being its default flow"
                    )

    def checksum(self) -> str:
        """Hash a canonical rendering of the model, independent of layout and attribute order."""
        canonical = (
            self.process_id,
            self.process.get("name", ""),
            tuple(sorted(_canonical(element) for element in self.elements.values())),
            tuple(sorted(_canonical(flow) for flow in self.flows.values())),
        )
        return hashlib.sha256(repr(canonical).encode("utf-8")).hexdigest()


# --- small helpers ---------------------------------------------------------------------


def _bpmn(local: str) -> str:
    return f"{{{BPMN_NAMESPACE}}}{local}"


def _zeebe(local: str) -> str:
    return f"{{{ZEEBE_NAMESPACE}}}{local}"


def _split(tag: object) -> tuple[str, str]:
    if not isinstance(tag, str):
        return "", ""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _display(tag: object) -> str:
    namespace, local = _split(tag)
    prefix = {BPMN_NAMESPACE: "bpmn:", ZEEBE_NAMESPACE: "zeebe:"}.get(namespace)
    if prefix is not None:
        return prefix + local
    return f"{{{namespace}}}{local}" if namespace else local


def _error(resource: str, problem: str) -> BpmnParseError:
    return BpmnParseError(f"cannot read BPMN resource {resource!r}: {problem}")


def _required_id(element: ET.Element, resource: str) -> str:
    element_id = element.get("id", "").strip()
    if not element_id:
        raise _error(resource, f"{_display(element.tag)!r} element without an id")
    return element_id


def _event_definitions(element: ET.Element) -> list[ET.Element]:
    return [
        child
        for child in element
        if _split(child.tag)[0] == BPMN_NAMESPACE
        and (
            _split(child.tag)[1].endswith("EventDefinition")
            or child.tag == _bpmn("eventDefinitionRef")
        )
    ]


def _is_name(text: str) -> bool:
    return (
        bool(text)
        and (text[0].isalpha() or text[0] == "_")
        and all(char.isalnum() or char == "_" for char in text)
    )


def _is_variable_path(text: str) -> bool:
    return all(_is_name(part) for part in text.split("."))


def _mapping_source(source: str) -> Expression:
    """Compile a mapping source: ``=expr`` is FEEL, anything else is a static string."""
    if not source:
        return compile_expression("null")
    if source.startswith("="):
        return compile_expression(source[1:])
    escaped = (
        source.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return compile_expression(f'"{escaped}"')


def _kind(element: Element) -> str:
    return "start event" if isinstance(element, StartEvent) else "error boundary event"


def _freeze(table: dict[str, list[str]]) -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType({key: tuple(values) for key, values in table.items()})


def _canonical(item: Element | SequenceFlow) -> tuple[object, ...]:
    if isinstance(item, SequenceFlow):
        condition = None if item.condition is None else item.condition.source
        return ("flow", item.id, item.source, item.target, condition)
    if isinstance(item, ServiceTask):
        return (
            "serviceTask",
            item.id,
            item.name,
            item.job_type,
            item.retries,
            tuple(sorted(item.headers.items())),
            tuple((m.source.source, m.target) for m in item.inputs),
            tuple((m.source.source, m.target) for m in item.outputs),
        )
    return (type(item).__name__, *(repr(value) for value in vars(item).values()))
