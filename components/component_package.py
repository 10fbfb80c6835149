"""The components, the whole pattern and its five building blocks, as a Pulumi component
package, `atlas-lambda`, for every language.

`provider/__main__.py` serves this over gRPC. The schema comes from the SDK's analyzer
(pulumi/provider/experimental/analyzer.py), which reads the components' raw annotations.
Two quirks of the SDK (pulumi 3.272, pulumi/provider/experimental/component.py) are
handled here, so the components stay ordinary Python:

- integers arrive from the engine as floats, and `map_input_properties` converts them but
  then stores the float again (pulumi/pulumi#21944 has no effect): `range(3.0)` fails;
- any exception from a constructor becomes a generic error: a `ConfigError` is re-raised as
  `InputPropertyError`, which the server (pulumi/provider/server.py) answers with
  INVALID_ARGUMENT and the property's path.

A relative `sourceDir` names a folder of the consumer program, not of the plugin: the engine
starts the plugin with the program's folder as its working directory (pulumi
pkg/resource/plugin ExecPlugin → RunPluginRequest.Pwd → the language host's `cmd.Dir`), and
no request carries it, so `provider/__main__.py` takes it at start and every `sourceDir`
input is made absolute against it before a component sees it.
"""

import difflib
import json
import re
import sys
from collections.abc import Collection
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import pulumi
from pulumi.errors import InputPropertyError
from pulumi.provider import main
from pulumi.provider.experimental.analyzer import Analyzer, PropertyDefinition, PropertyType
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.experimental.schema import generate_schema
from pulumi.provider.provider import ConstructResult
from pulumi.provider.server import ComponentInitError
from pulumi.runtime.rpc import UNKNOWN

from .cluster.component import AtlasCluster
from .database_user.component import IamDatabaseUser
from .errors import ConfigError
from .lambda_function.component import MongoLambda
from .names import camel_case
from .network.component import Network
from .pattern.component import AtlasLambda
from .peering.component import VpcPeering
from .private_endpoint.component import PrivateEndpoint

PACKAGE_NAME = "atlas-lambda"
PACKAGE_VERSION = "0.1.0"
COMPONENTS: tuple[type[pulumi.ComponentResource], ...] = (
    AtlasLambda,
    AtlasCluster,
    IamDatabaseUser,
    MongoLambda,
    Network,
    PrivateEndpoint,
    VpcPeering,
)
# The input naming a function's folder; relative, it is a folder of the consumer program.
SOURCE_DIR_INPUT = "sourceDir"
# A ConfigError key: an optional config namespace (`aws:`), a name, then `.entry` parts.
_KEY = re.compile(r"(?:[a-z][a-z-]*:)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)")


def _words(name: str) -> list[str]:
    """`atlasAlertEmail` → ['atlas', 'alert', 'email']."""
    return [word.lower() for word in re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", name)]


def _input_named(name: str, inputs: Collection[str]) -> str | None:
    """The input a key names: the same name, or the one input whose words end the key's
    words or are ended by them. Validation shared with the stack config names its keys
    (`aws:region`, `atlasAlertEmail`, `databaseRoles`) where the component's input is
    `awsRegion`, `alertEmail`, `roles`; a rule's `tier` is PrivateEndpoint's `clusterTier`."""
    if name in inputs:
        return name
    words = _words(name)

    def related(candidate: str) -> bool:
        theirs = _words(candidate)
        shorter, longer = sorted((words, theirs), key=len)
        return longer[len(longer) - len(shorter) :] == shorter

    matches = [candidate for candidate in inputs if related(candidate)]
    return matches[0] if len(matches) == 1 else None


def property_path(key: str, inputs: Collection[str]) -> str:
    """The schema property a ConfigError's key names (`environment.FOO` keeps its entry);
    a key naming no input (e.g. the packaging step) is passed on as it is."""
    match = _KEY.match(key)
    if match is None:
        return key
    name = _input_named(camel_case(match.group("name")), inputs)
    if name is None:
        return key
    rest = key[match.end() :]
    return name + rest if rest.startswith(".") else name


def whole_number(path: str, value: Any) -> Any:
    """An integer input as the engine sends it (a float) back to `int`; Outputs and
    unknowns pass through."""
    if isinstance(value, float):
        if not value.is_integer():
            raise InputPropertyError(path, f"{value} is not a whole number")
        return int(value)
    return value


class LiteralAwareAnalyzer(Analyzer):
    """The SDK's analyzer (analyzer.py analyze_property) knows str/int/bool, Enum classes and
    containers, not `Literal`: the components type enumerated args as Literals for Python
    type checkers, and the schema carries them as their value type. The constructor's args
    check refuses any other value with the allowed ones named."""

    def analyze_property(self, arg: Any, typ: Any, name: str, **kwargs: Any) -> Any:
        if get_origin(arg) is Literal:
            arg = type(get_args(arg)[0])
        return super().analyze_property(arg, typ, name, **kwargs)


def resolve_source_dir(path: str, value: Any, program_dir: Path) -> Any:
    """A relative `sourceDir` as the folder it names in the consumer program's directory;
    an absolute one, an Output or an unknown passes unchanged.

    The plugin runs in the program's directory but the component must not depend on the
    working directory (nothing may change it, and a test host has its own): it gets an
    absolute path. A relative folder that is not there fails here, naming where it was looked
    for, rather than as a packaging error about a path the user never wrote."""
    if not isinstance(value, str) or value == UNKNOWN or Path(value).is_absolute():
        return value
    resolved = program_dir / value
    if not resolved.exists():
        raise InputPropertyError(
            path,
            f"{value!r} does not exist in {program_dir} (a relative {SOURCE_DIR_INPUT} is "
            "resolved against the consumer program's directory, where Pulumi runs it; give an "
            "absolute path or a folder there)",
        )
    return str(resolved)


class AtlasLambdaProvider(ComponentProvider):
    """ComponentProvider with whole-number inputs, property-named validation errors and
    `sourceDir` resolved against the consumer program's directory."""

    program_dir: Path | None = None
    """The consumer program's directory, where a relative `sourceDir` is; None: the working
    directory (`provider()` sets it)."""

    def __init__(
        self,
        components: list[type[pulumi.ComponentResource]],
        name: str,
        namespace: str | None = None,
        version: str = "0.0.0",
    ) -> None:
        # ComponentProvider.__init__ (component.py), with the Literal-aware analyzer.
        self._name = name
        self.analyzer = LiteralAwareAnalyzer(name)
        result = self.analyzer.analyze(components)
        self._components = {component.__name__: component for component in components}
        self._component_defs = result["component_definitions"]
        self._type_defs = result["type_definitions"]
        self._external_enum_types = result["external_enum_types"]
        self._dependencies = sorted(result["dependencies"], key=lambda d: f"{d.name}{d.version}")
        schema = generate_schema(
            name, version, namespace, self._component_defs, self._type_defs, self._dependencies
        )
        super(ComponentProvider, self).__init__(version, json.dumps(schema.to_json()))

    def map_input_properties(
        self,
        inputs: Any,
        properties: dict[str, PropertyDefinition],
        mapping: dict[str, str],
        component_name: str,
        property_path: str,
    ) -> Any:
        if not property_path and isinstance(inputs, dict):
            unknown = sorted(set(inputs) - set(properties))
            if unknown:
                near = difflib.get_close_matches(unknown[0], list(properties), n=1)
                hint = f"; did you mean {near[0]!r}?" if near else ""
                raise InputPropertyError(
                    unknown[0],
                    f"is not an input of {component_name}{hint} "
                    f"(allowed: {', '.join(sorted(properties))})",
                )
        for schema_name, prop in properties.items():
            value = inputs.get(schema_name) if isinstance(inputs, dict) else None
            # The SDK's own refusal of a string here names the parent path ('' at the top).
            if prop.type == PropertyType.INTEGER and isinstance(value, str) and value != UNKNOWN:
                path = f"{property_path}.{schema_name}" if property_path else schema_name
                raise InputPropertyError(path, f"must be an integer, not str {value!r}")
        mapped = super().map_input_properties(
            inputs, properties, mapping, component_name, property_path
        )
        for schema_name, prop in properties.items():
            py_name = mapping[schema_name]
            if prop.type == PropertyType.INTEGER and py_name in mapped:
                path = f"{property_path}.{schema_name}" if property_path else schema_name
                mapped[py_name] = whole_number(path, mapped[py_name])
        if SOURCE_DIR_INPUT in properties and mapping[SOURCE_DIR_INPUT] in mapped:
            py_name = mapping[SOURCE_DIR_INPUT]
            path = f"{property_path}.{SOURCE_DIR_INPUT}" if property_path else SOURCE_DIR_INPUT
            program_dir = self.program_dir or Path.cwd()
            mapped[py_name] = resolve_source_dir(path, mapped[py_name], program_dir)
        return mapped

    def construct(
        self,
        name: str,
        resource_type: str,
        inputs: Any,
        options: pulumi.ResourceOptions | None = None,
    ) -> ConstructResult:
        try:
            return super().construct(name, resource_type, inputs, options)
        except ComponentInitError as error:
            if not isinstance(error.inner, ConfigError):
                raise
            component = resource_type.rsplit(":", maxsplit=1)[-1]
            inner = error.inner
            path = property_path(inner.key, self._component_defs[component].inputs)
            reason = inner.problem + (f" (allowed: {inner.allowed})" if inner.allowed else "")
            raise InputPropertyError(path, reason) from inner


def provider(program_dir: Path | None = None) -> AtlasLambdaProvider:
    """The provider with its schema analysed from the components; a relative `sourceDir`
    resolves against `program_dir` (the working directory by default)."""
    built = AtlasLambdaProvider(list(COMPONENTS), PACKAGE_NAME, version=PACKAGE_VERSION)
    built.program_dir = (Path.cwd() if program_dir is None else program_dir).absolute()
    return built


def serve(args: list[str] | None = None, program_dir: Path | None = None) -> None:
    """Run the gRPC server: `python provider/ <engine address>`, port on stdout.

    The same entry as `component_provider_host` (pulumi.provider.main over a
    ComponentProvider), with the subclass above in place of the SDK's own. `program_dir` is
    the consumer program's directory: the plugin's working directory when it started."""
    main(provider(program_dir), sys.argv[1:] if args is None else args)
