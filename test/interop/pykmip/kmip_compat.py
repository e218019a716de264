"""Pieces PyKMIP 0.10/0.11 lacks: an AddAttribute payload, and plain JSON views of its attribute objects."""

import enum

from kmip.core import enums, objects, primitives, utils
from kmip.core.factories import attribute_values
from kmip.core.factories.payloads import response as response_factory
from kmip.core.messages import payloads
from kmip.core.messages.payloads import base


def _write_uid(uid, buf, kmip_version):
    if uid:
        primitives.TextString(uid, tag=enums.Tags.UNIQUE_IDENTIFIER).write(buf, kmip_version=kmip_version)


def _read_uid(payload, buf, kmip_version):
    if payload.is_tag_next(enums.Tags.UNIQUE_IDENTIFIER, buf):
        uid = primitives.TextString(tag=enums.Tags.UNIQUE_IDENTIFIER)
        uid.read(buf, kmip_version=kmip_version)
        return uid.value
    return None


class AddAttributeRequestPayload(base.RequestPayload):
    """KMIP 1.x: Unique Identifier + Attribute; KMIP 2.0: Unique Identifier + New Attribute."""

    def __init__(self, unique_identifier=None, attribute_name=None, attribute_value=None):
        super().__init__()
        self.unique_identifier = unique_identifier
        self.attribute_name = attribute_name
        self.attribute_value = attribute_value

    def write(self, output_buffer, kmip_version=enums.KMIPVersion.KMIP_1_0):
        local = utils.BytearrayStream()
        _write_uid(self.unique_identifier, local, kmip_version)
        if kmip_version < enums.KMIPVersion.KMIP_2_0:
            attr = objects.Attribute(
                attribute_name=objects.Attribute.AttributeName(self.attribute_name),
                attribute_value=self.attribute_value,
            )
            attr.write(local, kmip_version=kmip_version)
        else:
            objects.NewAttribute(attribute=self.attribute_value).write(local, kmip_version=kmip_version)
        self.length = local.length()
        super().write(output_buffer, kmip_version=kmip_version)
        output_buffer.write(local.buffer)


class AddAttributeResponsePayload(base.ResponsePayload):
    def __init__(self):
        super().__init__()
        self.unique_identifier = None
        self.attribute = None

    def read(self, input_buffer, kmip_version=enums.KMIPVersion.KMIP_1_0):
        super().read(input_buffer, kmip_version=kmip_version)
        local = utils.BytearrayStream(input_buffer.read(self.length))
        self.unique_identifier = _read_uid(self, local, kmip_version)
        if kmip_version < enums.KMIPVersion.KMIP_2_0 and self.is_tag_next(enums.Tags.ATTRIBUTE, local):
            self.attribute = objects.Attribute()
            self.attribute.read(local, kmip_version=kmip_version)
        self.is_oversized(local)


def install_add_attribute():
    # PyKMIP's response factory raises NotImplementedError for ADD_ATTRIBUTE; give it our class.
    response_factory.ResponsePayloadFactory._create_add_attribute_payload = lambda self: AddAttributeResponsePayload()


def add_attribute(client, uid, tag, value):
    """Sends AddAttribute through the lower-level KMIPProxy, since neither client class has it."""
    install_add_attribute()
    attr_value = attribute_values.AttributeValueFactory().create_attribute_value_by_enum(tag, value)
    payload = AddAttributeRequestPayload(uid, enums.convert_attribute_tag_to_name(tag), attr_value)
    resp = client.proxy.send_request_payload(enums.Operation.ADD_ATTRIBUTE, payload)
    return resp.unique_identifier, plain(resp.attribute.attribute_value) if resp.attribute else None


class SetAttributeInAnyVersion(payloads.SetAttributeRequestPayload):
    """PyKMIP refuses to encode SetAttribute below 2.0; this writes the 2.0 form into a 1.x message anyway."""

    def write(self, output_buffer, kmip_version=enums.KMIPVersion.KMIP_2_0):
        super().write(output_buffer, kmip_version=enums.KMIPVersion.KMIP_2_0)


def set_attribute_any_version(client, uid, tag, value):
    payload = SetAttributeInAnyVersion(
        unique_identifier=uid, new_attribute=objects.NewAttribute(attribute=make_attribute(tag, value)))
    return client.proxy.send_request_payload(enums.Operation.SET_ATTRIBUTE, payload).unique_identifier


def make_attribute(tag, value):
    return attribute_values.AttributeValueFactory().create_attribute_value_by_enum(tag, value)


def plain(value):
    """A JSON-friendly view of a PyKMIP attribute value (Name → its text, enums → their names)."""
    if value is None:
        return None
    if isinstance(value, list):
        return [plain(v) for v in value]
    if hasattr(value, "name_value"):
        return value.name_value.value
    inner = getattr(value, "value", value)
    if isinstance(inner, enum.Enum):
        return inner.name
    if isinstance(inner, (bytes, bytearray)):
        return inner.hex()
    if isinstance(inner, (str, int, float, bool)):
        return inner
    return str(inner)


def attributes_to_dict(attrs):
    """Collects a list of PyKMIP Attribute objects into {name: [values...]}."""
    out = {}
    for attr in attrs or []:
        name = attr.attribute_name.value
        out.setdefault(name, []).append(plain(attr.attribute_value))
    return out
