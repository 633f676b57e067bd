"""BPMN events SpiffWorkflow 3.2 gets wrong, fixed at parse time.

Link events: the library parses a link throw event as a none event and never reaches the
matching catch event, so the path after the link is skipped silently and the instance ends early.
BPMN 2.0 (10.5.6) defines a link pair as a sequence flow drawn in two pieces ("off-page
connector"), so Baton parses it as exactly that: the throw event is connected to the catch event
of the same name in the same process, and the catch event passes its token straight on.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.specs.defaults import IntermediateThrowEvent
from SpiffWorkflow.bpmn.specs.event_definitions.simple import NoneEventDefinition

LINK = full_tag("linkEventDefinition")
CATCH, THROW = full_tag("intermediateCatchEvent"), full_tag("intermediateThrowEvent")


def _link_name(node) -> str | None:
    definition = node.find(LINK)
    if definition is None:
        return None
    return definition.get("name") or definition.get("id")


def _catch_node(process_parser, name: str):
    for node in process_parser.node.iter(CATCH):
        if _link_name(node) == name:
            return node
    return None


def _link_throw_parser(base):
    class LinkThrowParser(base):
        def parse_node(self):
            spec = super().parse_node()
            name = _link_name(self.node)
            if name is None:
                return spec
            catch = _catch_node(self.process_parser, name)
            if catch is None:
                self.raise_validation_exception(f"link event '{name}' has no catch event of that name")
            self.task.connect(self.process_parser.parse_node(catch))
            return spec

    return LinkThrowParser


def _link_catch_parser(base):
    class LinkCatchParser(base):
        def create_task(self):
            if _link_name(self.node) is None:
                return super().create_task()
            # A link catch event is the second half of a sequence flow: it never waits.
            return IntermediateThrowEvent(
                self.spec, self.bpmn_id, NoneEventDefinition(), **self.bpmn_attributes
            )

    return LinkCatchParser


def link_event_overrides(classes: dict) -> dict:
    """Wrap the current throw/catch event parsers so link events connect (BatonParser uses it)."""
    throw_parser, throw_spec = classes[THROW]
    catch_parser, catch_spec = classes[CATCH]
    return {
        THROW: (_link_throw_parser(throw_parser), throw_spec),
        CATCH: (_link_catch_parser(catch_parser), catch_spec),
    }
