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
  INVALID_ARGUMENT and the property's path; so is one raised later, inside an apply (a
  secret `mongodbSrv` refused once its value is known), which would otherwise come back as
  a traceback when the server serializes the component's outputs;
- an unknown (`Unknown`, the old string sentinel, or NaN and Infinity for a number) reaches
  a constructor as it is, or crashes the SDK's `int()`: an input the component needs now is
  refused naming it, any other becomes an unknown Output;
- without the engine's `outputValues`, a map or list holding one secret or another
  resource's output arrives as one Output for the whole input: a map of values that may be
  Outputs (`environment`) is split back into its entries;
- every reason is cut short (errors.clip): a 3 MB value quoted back exceeds the 16 KB of
  gRPC metadata the error travels in (RESOURCE_EXHAUSTED instead of the message).

A relative `sourceDir` names a folder of the consumer program, not of the plugin: the engine
starts the plugin with the program's folder as its working directory (pulumi
pkg/resource/plugin ExecPlugin → RunPluginRequest.Pwd → the language host's `cmd.Dir`), and
no request carries it, so `provider/__main__.py` takes it at start and every `sourceDir`
input is made absolute against it before a component sees it.
"""

import asyncio
import difflib
import json
import math
import re
import sys
from collections.abc import Collection
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import pulumi
from pulumi.errors import InputPropertyError
from pulumi.output import Unknown
from pulumi.provider import main
from pulumi.provider.experimental.analyzer import Analyzer, PropertyDefinition, PropertyType
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.experimental.schema import generate_schema
from pulumi.provider.provider import ConstructResult
from pulumi.provider.server import ComponentInitError
from pulumi.runtime import rpc
from pulumi.runtime.rpc import UNKNOWN

from .cluster.component import AtlasCluster
from .database_user.component import IamDatabaseUser
from .errors import ConfigError, clip
from .lambda_function.component import MongoLambda
from .locations import toolkit_version
from .names import camel_case
from .network.component import Network
from .pattern.component import AtlasLambda
from .peering.component import VpcPeering
from .private_endpoint.component import PrivateEndpoint

PACKAGE_NAME = "atlas-lambda"
# The toolkit's one version (function/atlas_lambda/version.py), as the wheel has it; a release
# tags it v<version>, which is what `pulumi package add .../provider@v<version>` pins.
PACKAGE_VERSION = toolkit_version()
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


# The largest whole number a float (JSON's and protobuf's only number) holds exactly.
EXACT_FLOAT_MAX = 2**53
UNKNOWN_NOW = (
    "is unknown during preview (another resource's output), but this input must be known "
    "when the component is constructed"
)


def whole_number(path: str, value: Any) -> Any:
    """An integer input as the engine sends it (a float) back to `int`; Outputs and
    unknowns pass through."""
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise InputPropertyError(path, f"{value} is not a whole number")
        if abs(value) > EXACT_FLOAT_MAX:
            raise InputPropertyError(
                path, f"{value:.3g} is beyond the whole numbers a number input carries exactly"
            )
        return int(value)
    return value


def is_unknown(value: Any) -> bool:
    """An unknown as the engine sends it: `Unknown` (deserialized with keep_unknowns) or the
    old string sentinel."""
    return isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN)


def contains_unknown(value: Any) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, dict):
        return any(contains_unknown(item) for item in value.values())
    if isinstance(value, list):
        return any(contains_unknown(item) for item in value)
    return False


def settled_output(value: Any, resources: set[Any] | None = None, secret: bool = False) -> Any:
    """An Output of `value` that is already resolved (unknown when `value` is)."""
    loop = asyncio.get_event_loop()
    done = [loop.create_future() for _ in range(3)]
    for future, result in zip(done, (value, not is_unknown(value), secret), strict=True):
        future.set_result(result)
    return pulumi.Output(set(resources or ()), *done)


def _resolved(output: pulumi.Output[Any]) -> Any:
    """The SDK's data of an Output the server built from the request (server.py
    _select_value: a future already set), or None when it is not settled yet."""
    data = getattr(output, "_data", None)
    if isinstance(data, asyncio.Future) and data.done() and not data.cancelled():
        return data.result() if data.exception() is None else None
    return None


def unknowns_as_outputs(value: Any) -> Any:
    """`value` with each unknown in it an unknown Output, for an input that takes Outputs."""
    if is_unknown(value):
        return settled_output(Unknown())
    if isinstance(value, list):
        return [unknowns_as_outputs(item) for item in value]
    if isinstance(value, dict) and rpc._special_sig_key not in value:
        return {key: unknowns_as_outputs(item) for key, item in value.items()}
    return value


def split_output(path: str, value: pulumi.Output[Any], prop: PropertyDefinition) -> Any:
    """A map (or list) input the server wrapped whole in one Output, because one entry is
    a secret or another resource's output, back into a map of Outputs: each entry keeps the
    secrecy and dependencies (all the wrapper knows). Only for entries that may be Outputs;
    the map's own keys must be known now."""
    entry = prop.additional_properties if prop.type == PropertyType.OBJECT else prop.items
    data = _resolved(value)
    if data is None or entry is None or entry.plain or entry.ref or not data.is_known:
        reason = (
            UNKNOWN_NOW if data is not None and not data.is_known
            else "must be a plain value here: its entries cannot be secrets or other "
            "resources' outputs"
        )  # fmt: skip
        raise InputPropertyError(path, reason)
    def entry_output(item: Any) -> Any:
        return settled_output(item, data.resources, data.is_secret)

    if isinstance(data.value, dict):
        return {key: entry_output(item) for key, item in data.value.items()}
    if isinstance(data.value, list):
        return [entry_output(item) for item in data.value]
    raise InputPropertyError(path, f"must be a {prop.type.value if prop.type else 'value'}")


def config_error_in(error: BaseException | None) -> ConfigError | None:
    """The ConfigError `error` is or was caused by (the SDK wraps an apply's exception in
    "While processing ..." ValueErrors, each `from` the one before)."""
    seen = 0
    while error is not None and seen < 100:
        if isinstance(error, ConfigError):
            return error
        error, seen = error.__cause__ or error.__context__, seen + 1
    return None


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
        if isinstance(inputs, dict):
            inputs = dict(inputs)
            for schema_name, prop in properties.items():
                if schema_name in inputs:
                    path = f"{property_path}.{schema_name}" if property_path else schema_name
                    inputs[schema_name] = self.settle_input(path, inputs[schema_name], prop)
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

    @staticmethod
    def settle_input(path: str, value: Any, prop: PropertyDefinition) -> Any:
        """One input as the component can take it, or an InputPropertyError naming it: an
        unknown where a plain value is needed, a number that is no whole number (NaN,
        Infinity, a string, an Output), a map wrapped whole in one Output."""
        if prop.type == PropertyType.INTEGER:
            # The SDK's own refusals name the parent path ('' at the top) or crash in int().
            if is_unknown(value) or isinstance(value, pulumi.Output):
                raise InputPropertyError(path, UNKNOWN_NOW if is_unknown(value) else (
                    "must be a plain number, known now: not a secret or another resource's "
                    "output"
                ))  # fmt: skip
            if isinstance(value, str):
                raise InputPropertyError(path, f"must be an integer, not str {value!r}")
            return whole_number(path, value)
        if isinstance(value, pulumi.Output):
            if prop.plain and prop.type in (PropertyType.OBJECT, PropertyType.ARRAY):
                return split_output(path, value, prop)
            return value
        if not contains_unknown(value):
            return value
        if prop.plain and (is_unknown(value) or prop.ref is None):
            # A plain map or list may hold Outputs in its entries (environment's values).
            entry = prop.additional_properties or prop.items
            if is_unknown(value) or entry is None or entry.plain or entry.ref:
                raise InputPropertyError(path, UNKNOWN_NOW)
        return unknowns_as_outputs(value)

    def construct(
        self,
        name: str,
        resource_type: str,
        inputs: Any,
        options: pulumi.ResourceOptions | None = None,
    ) -> ConstructResult:
        component = resource_type.rsplit(":", maxsplit=1)[-1]
        names = self._component_defs[component].inputs if component in self._component_defs else {}
        try:
            result = super().construct(name, resource_type, inputs, options)
        except ComponentInitError as error:
            if not isinstance(error.inner, ConfigError):
                raise
            raise self.property_error(error.inner, names) from None
        except InputPropertyError as error:  # the SDK's own, which may quote the value
            raise InputPropertyError(clip(error.property_path), clip(error.reason)) from None
        state = {key: self.naming_late_errors(value, names) for key, value in result.state.items()}
        return ConstructResult(result.urn, state)

    @staticmethod
    def property_error(error: ConfigError, inputs: Collection[str]) -> InputPropertyError:
        """The InputPropertyError naming the input a ConfigError's key names."""
        reason = error.problem + (f" (allowed: {error.allowed})" if error.allowed else "")
        return InputPropertyError(clip(property_path(error.key, inputs)), clip(reason))

    def naming_late_errors(self, value: Any, inputs: Collection[str]) -> Any:
        """An output of the component that fails because an apply refused a value (a
        secret `mongodbSrv` with a password) fails with the InputPropertyError naming that
        input: raised as itself, not inside the SDK's "While processing ..." ValueError,
        the server answers it as INVALID_ARGUMENT rather than a traceback."""
        if not isinstance(value, pulumi.Output):
            return value

        async def data() -> Any:
            try:
                return await value._data
            except Exception as error:
                refused = config_error_in(error)
                if refused is None:
                    raise
                raise self.property_error(refused, inputs) from None

        return pulumi.Output._from_data(data())


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
