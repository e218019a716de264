"""One function per interop scenario: each drives PyKMIP's client against a server and returns a JSON-able dict.

A scenario raises ScenarioFailure when the server's answer is wrong; KMIP failures it did not expect propagate.
"""

import hashlib
import time
import uuid

from kmip.core import enums, objects as cobjects
from kmip.core import exceptions as core_exceptions
from kmip.core.factories import attributes as attribute_factories
from kmip.pie import exceptions as pie_exceptions
from kmip.pie import objects

from kmip_compat import add_attribute, attributes_to_dict, make_attribute, plain, set_attribute_any_version

KMIP_FAILURES = (pie_exceptions.KmipOperationFailure, core_exceptions.KmipError)
# Known test bytes: never real key material, and only their digests are printed.
KNOWN_KEY = bytes(range(0x40, 0x60))
KNOWN_SECRET = b"kmipkit interop secret data \x00\xff"
# A Get of a destroyed object must fail; 1.x says Item Not Found, 2.0 added Object Destroyed.
GONE_REASONS = ("ITEM_NOT_FOUND", "OBJECT_DESTROYED")
BASE_ATTRIBUTES = {"Cryptographic Algorithm", "Cryptographic Length", "Name", "Object Type", "State"}


class ScenarioFailure(Exception):
    """The server answered, but not as KMIP requires."""


class Ctx:
    def __init__(self, client, version):
        self.client = client
        self.version = version
        self.run = uuid.uuid4().hex[:12]

    @property
    def v2(self):
        return self.version >= enums.KMIPVersion.KMIP_2_0

    def name(self, label):
        # Unique per run, so locate-by-name on a shared server finds only this run's objects.
        return "kmipkit-interop-{}-{}".format(label, self.run)

    def create_key(self, label):
        name = self.name(label)
        uid = self.client.create(
            enums.CryptographicAlgorithm.AES, 256, name=name,
            cryptographic_usage_mask=[enums.CryptographicUsageMask.ENCRYPT, enums.CryptographicUsageMask.DECRYPT],
        )
        return uid, name

    def attrs(self, uid, names=None):
        got_uid, attrs = self.client.get_attributes(uid, names)
        check(got_uid in (None, uid), "get_attributes answered for {!r}, asked {!r}".format(got_uid, uid))
        return attributes_to_dict(attrs)

    def state(self, uid):
        return one(self.attrs(uid, ["State"]), "State")


def check(cond, message):
    if not cond:
        raise ScenarioFailure(message)


def one(attrs, name):
    values = attrs.get(name, [])
    check(len(values) == 1, "expected one {!r}, got {!r}".format(name, values))
    return values[0]


def reason_of(err):
    reason = getattr(err, "reason", None)
    return getattr(reason, "name", str(reason))


def expect_failure(fn, *args, **kwargs):
    """Runs an operation that KMIP says must fail and returns the Result Reason the server gave."""
    try:
        fn(*args, **kwargs)
    except KMIP_FAILURES as err:
        return reason_of(err)
    raise ScenarioFailure("{} succeeded but must fail".format(getattr(fn, "__name__", fn)))


def digest(data):
    return hashlib.sha256(bytes(data)).hexdigest()


def create(c):
    uid, name = c.create_key("create")
    attrs = c.attrs(uid, sorted(BASE_ATTRIBUTES))
    check(one(attrs, "Cryptographic Algorithm") == "AES", "algorithm {!r}".format(attrs))
    check(one(attrs, "Cryptographic Length") == 256, "length {!r}".format(attrs))
    check(one(attrs, "Object Type") == "SYMMETRIC_KEY", "object type {!r}".format(attrs))
    check(one(attrs, "State") == "PRE_ACTIVE", "state {!r}".format(attrs))
    check(name in attrs.get("Name", []), "name {!r}".format(attrs))
    return {"uid": uid, "name": name, "attributes": attrs}


def register(c):
    key = objects.SymmetricKey(
        enums.CryptographicAlgorithm.AES, 256, KNOWN_KEY, name=c.name("register-key"),
        masks=[enums.CryptographicUsageMask.ENCRYPT, enums.CryptographicUsageMask.DECRYPT],
    )
    secret = objects.SecretData(KNOWN_SECRET, enums.SecretDataType.PASSWORD, name=c.name("register-secret"))
    key_uid = c.client.register(key)
    secret_uid = c.client.register(secret)
    check(key_uid != secret_uid, "register gave one id to two objects")
    got_key = c.client.get(key_uid)
    got_secret = c.client.get(secret_uid)
    check(isinstance(got_key, objects.SymmetricKey), "key came back as {}".format(type(got_key).__name__))
    check(isinstance(got_secret, objects.SecretData), "secret came back as {}".format(type(got_secret).__name__))
    check(got_key.value == KNOWN_KEY, "key bytes differ")
    check(got_secret.value == KNOWN_SECRET, "secret bytes differ")
    check(got_secret.data_type == enums.SecretDataType.PASSWORD, "secret data type {}".format(got_secret.data_type))
    return {
        "key_uid": key_uid, "secret_uid": secret_uid,
        "key_sha256": digest(got_key.value), "secret_sha256": digest(got_secret.value),
        "key_algorithm": got_key.cryptographic_algorithm.name, "key_length": got_key.cryptographic_length,
    }


def get(c):
    uid, _ = c.create_key("get")
    key = c.client.get(uid)
    check(isinstance(key, objects.SymmetricKey), "got {}".format(type(key).__name__))
    check(key.cryptographic_algorithm == enums.CryptographicAlgorithm.AES, "algorithm {}".format(key.cryptographic_algorithm))
    check(key.cryptographic_length == 256 and len(key.value) == 32, "length {}".format(key.cryptographic_length))
    missing = expect_failure(c.client.get, "kmipkit-no-such-object-" + c.run)
    # 1.x says Item Not Found; 2.0 renamed the reason Object Not Found (the TS side pins which per server).
    allowed = ("ITEM_NOT_FOUND", "OBJECT_NOT_FOUND") if c.v2 else ("ITEM_NOT_FOUND",)
    check(missing in allowed, "get of an unknown id gave {}".format(missing))
    return {"uid": uid, "value_length": len(key.value), "missing_reason": missing}


def get_attributes(c):
    uid, name = c.create_key("get-attributes")
    wanted = ["Name", "Cryptographic Algorithm", "Cryptographic Length"]
    some = c.attrs(uid, wanted)
    check(set(some) == set(wanted), "asked {}, got {}".format(wanted, sorted(some)))
    check(some["Name"] == [name], "name {!r}".format(some["Name"]))
    every = c.attrs(uid)
    check(BASE_ATTRIBUTES <= set(every), "all attributes lack {}".format(sorted(BASE_ATTRIBUTES - set(every))))
    check(every["Cryptographic Length"] == [256], "length {!r}".format(every["Cryptographic Length"]))
    return {"uid": uid, "some": some, "all_names": sorted(every)}


def get_attribute_list(c):
    uid, _ = c.create_key("get-attribute-list")
    names = c.client.get_attribute_list(uid)
    check(BASE_ATTRIBUTES <= set(names), "list lacks {}".format(sorted(BASE_ATTRIBUTES - set(names))))
    return {"uid": uid, "names": names}


def locate(c):
    a_uid, a_name = c.create_key("locate-a")
    b_uid, _ = c.create_key("locate-b")
    s_uid = c.client.register(
        objects.SecretData(KNOWN_SECRET, enums.SecretDataType.PASSWORD, name=c.name("locate-secret")))
    factory = attribute_factories.AttributeFactory()
    by_name = c.client.locate(attributes=[factory.create_attribute(enums.AttributeType.NAME, a_name)])
    check(by_name == [a_uid], "locate by name gave {!r}, want [{!r}]".format(by_name, a_uid))
    keys = c.client.locate(attributes=[
        factory.create_attribute(enums.AttributeType.OBJECT_TYPE, enums.ObjectType.SYMMETRIC_KEY)])
    check(a_uid in keys and b_uid in keys and s_uid not in keys, "locate by type SymmetricKey gave {!r}".format(keys))
    secrets = c.client.locate(attributes=[
        factory.create_attribute(enums.AttributeType.OBJECT_TYPE, enums.ObjectType.SECRET_DATA)])
    check(s_uid in secrets and a_uid not in secrets, "locate by type SecretData gave {!r}".format(secrets))
    return {"by_name": by_name, "symmetric_keys_found": len(keys), "secret_data_found": len(secrets)}


def activate(c):
    uid, _ = c.create_key("activate")
    check(c.state(uid) == "PRE_ACTIVE", "new key not pre-active")
    c.client.activate(uid)
    check(c.state(uid) == "ACTIVE", "activated key is {}".format(c.state(uid)))
    again = expect_failure(c.client.activate, uid)
    return {"uid": uid, "state": "ACTIVE", "reactivate_reason": again}


def revoke(c):
    uid, _ = c.create_key("revoke")
    c.client.activate(uid)
    c.client.revoke(enums.RevocationReasonCode.CESSATION_OF_OPERATION, uid, revocation_message="kmipkit interop")
    ceased = c.state(uid)
    check(ceased == "DEACTIVATED", "revoked (cessation) key is {}".format(ceased))
    bad_uid, _ = c.create_key("revoke-compromised")
    c.client.revoke(enums.RevocationReasonCode.KEY_COMPROMISE, bad_uid,
                    compromise_occurrence_date=int(time.time()) - 60)
    compromised = c.state(bad_uid)
    check(compromised == "COMPROMISED", "revoked (compromise) key is {}".format(compromised))
    return {"uid": uid, "state": ceased, "compromised_uid": bad_uid, "compromised_state": compromised}


def destroy(c):
    fresh, _ = c.create_key("destroy-fresh")
    c.client.destroy(fresh)
    fresh_gone = expect_failure(c.client.get, fresh)
    check(fresh_gone in GONE_REASONS, "get of destroyed key gave {}".format(fresh_gone))
    used, _ = c.create_key("destroy-revoked")
    c.client.activate(used)
    active_refused = expect_failure(c.client.destroy, used)
    c.client.revoke(enums.RevocationReasonCode.CESSATION_OF_OPERATION, used)
    c.client.destroy(used)
    used_gone = expect_failure(c.client.get, used)
    check(used_gone in GONE_REASONS, "get of destroyed revoked key gave {}".format(used_gone))
    return {"fresh_uid": fresh, "revoked_uid": used, "get_after_destroy_reason": fresh_gone,
            "destroy_active_reason": active_refused}


def add_attribute_scenario(c):
    uid, first = c.create_key("add-attribute")
    second = c.name("add-attribute-second")
    add_attribute(c.client, uid, enums.Tags.NAME, second)
    names = c.attrs(uid, ["Name"]).get("Name", [])
    check(sorted(names) == sorted([first, second]), "names after AddAttribute {!r}".format(names))
    return {"uid": uid, "names": names}


def set_attribute(c):
    uid, _ = c.create_key("set-attribute")
    if not c.v2:
        # SetAttribute is a KMIP 2.0 operation: a 1.x request carrying it must be refused.
        refused = expect_failure(set_attribute_any_version, c.client, uid, enums.Tags.SENSITIVE, True)
        return {"uid": uid, "refused_reason": refused}
    c.client.set_attribute(uid, attribute_name="Sensitive", attribute_value=True)
    sensitive = one(c.attrs(uid, ["Sensitive"]), "Sensitive")
    check(sensitive is True, "Sensitive after SetAttribute is {!r}".format(sensitive))
    return {"uid": uid, "sensitive": sensitive}


def modify_attribute(c):
    uid, old = c.create_key("modify-attribute")
    new = c.name("modify-attribute-new")
    if c.v2:
        c.client.modify_attribute(
            uid,
            current_attribute=cobjects.CurrentAttribute(make_attribute(enums.Tags.NAME, old)),
            new_attribute=cobjects.NewAttribute(make_attribute(enums.Tags.NAME, new)))
    else:
        attr = attribute_factories.AttributeFactory().create_attribute(enums.AttributeType.NAME, new, index=0)
        c.client.modify_attribute(uid, attribute=attr)
    names = c.attrs(uid, ["Name"]).get("Name", [])
    check(names == [new], "names after ModifyAttribute {!r}".format(names))
    return {"uid": uid, "names": names}


def delete_attribute(c):
    # One name only: PyKMIP's client sends a second Name without the Attribute Index its own server demands.
    uid, name = c.create_key("delete-attribute")
    if c.v2:
        # By reference, not by Current Attribute: PyKMIP's server fails the latter for Name (see docs/interop.md).
        c.client.delete_attribute(
            uid, attribute_reference=cobjects.AttributeReference(vendor_identification="", attribute_name="Name"))
        deleted = name
    else:
        _, attr = c.client.delete_attribute(uid, attribute_name="Name", attribute_index=0)
        deleted = plain(attr.attribute_value) if attr is not None else None
        check(deleted == name, "DeleteAttribute reported {!r} deleted, want {!r}".format(deleted, name))
    # Ask for State too: PyKMIP's server cannot encode an empty 2.0 GetAttributes response and hangs up.
    after = c.attrs(uid, ["Name", "State"]).get("Name", [])
    check(after == [], "names after DeleteAttribute {!r}".format(after))
    return {"uid": uid, "deleted": deleted, "names": after}


SIGNED_MESSAGE = b"kmipkit interop: data to sign"


def sign_verify(c):
    """An RSA-2048 pair; Sign (PKCS#1 v1.5, SHA-256) and Signature Verify, a tampered signature Invalid."""
    mask = enums.CryptographicUsageMask
    pub, priv = c.client.create_key_pair(
        enums.CryptographicAlgorithm.RSA, 2048,
        public_name=c.name("rsa-public"), public_usage_mask=[mask.VERIFY],
        private_name=c.name("rsa-private"), private_usage_mask=[mask.SIGN],
    )
    check(pub != priv, "create_key_pair gave one id to both keys")
    check(one(c.attrs(priv, ["Object Type"]), "Object Type") == "PRIVATE_KEY", "private key object type")
    check(one(c.attrs(pub, ["Object Type"]), "Object Type") == "PUBLIC_KEY", "public key object type")
    c.client.activate(priv)
    c.client.activate(pub)
    params = {
        "cryptographic_algorithm": enums.CryptographicAlgorithm.RSA,
        "hashing_algorithm": enums.HashingAlgorithm.SHA_256,
        "padding_method": enums.PaddingMethod.PKCS1v15,
    }
    signature = c.client.sign(SIGNED_MESSAGE, uid=priv, cryptographic_parameters=params)
    valid = c.client.signature_verify(SIGNED_MESSAGE, signature, uid=pub, cryptographic_parameters=params)
    check(valid == enums.ValidityIndicator.VALID, "signature_verify of our own signature: {!r}".format(valid))
    tampered = bytearray(signature)
    tampered[10] ^= 0x01
    invalid = c.client.signature_verify(SIGNED_MESSAGE, bytes(tampered), uid=pub, cryptographic_parameters=params)
    check(invalid == enums.ValidityIndicator.INVALID, "signature_verify of a tampered signature: {!r}".format(invalid))
    public_key = c.client.get(pub)
    # Public material only: the caller checks the signature with node:crypto.
    return {
        "message_hex": SIGNED_MESSAGE.hex(), "signature_hex": bytes(signature).hex(),
        "public_key_hex": bytes(public_key.value).hex(), "public_key_format": public_key.key_format_type.name,
    }


CRYPTO_MESSAGE = b"kmipkit interop: data to encrypt and MAC"
# Public test IV (a counting pattern), for the given-IV case.
KNOWN_IV = bytes(range(16))


def encrypt_decrypt(c):
    """AES-256-CBC (PKCS5) with the known test key: a server-made IV (Random IV) and a given IV; Decrypt round-trips."""
    mask = enums.CryptographicUsageMask
    key = objects.SymmetricKey(
        enums.CryptographicAlgorithm.AES, 256, KNOWN_KEY, name=c.name("crypto-key"), masks=[mask.ENCRYPT, mask.DECRYPT],
    )
    uid = c.client.register(key)
    c.client.activate(uid)
    params = {
        "cryptographic_algorithm": enums.CryptographicAlgorithm.AES,
        "block_cipher_mode": enums.BlockCipherMode.CBC,
        "padding_method": enums.PaddingMethod.PKCS5,
    }
    data, iv = c.client.encrypt(CRYPTO_MESSAGE, uid=uid, cryptographic_parameters=dict(params, random_iv=True))
    check(iv is not None and len(iv) == 16, "a server-made IV must come back: {!r}".format(iv))
    plain = c.client.decrypt(data, uid=uid, cryptographic_parameters=params, iv_counter_nonce=iv)
    check(plain == CRYPTO_MESSAGE, "decrypt of the server-made-IV ciphertext differs")
    given, no_iv = c.client.encrypt(CRYPTO_MESSAGE, uid=uid, cryptographic_parameters=params, iv_counter_nonce=KNOWN_IV)
    check(no_iv is None, "an IV came back although the client gave one")
    check(c.client.decrypt(given, uid=uid, cryptographic_parameters=params, iv_counter_nonce=KNOWN_IV) == CRYPTO_MESSAGE,
          "decrypt of the given-IV ciphertext differs")
    # Ciphertexts of public test data under the public test key: the caller checks them with node:crypto.
    return {
        "message_hex": CRYPTO_MESSAGE.hex(), "iv_hex": bytes(iv).hex(), "ciphertext_hex": bytes(data).hex(),
        "given_iv_hex": KNOWN_IV.hex(), "given_ciphertext_hex": bytes(given).hex(),
    }


def mac(c):
    """HMAC-SHA256 with the known test key, by the key's algorithm and by the requested one."""
    mask = enums.CryptographicUsageMask
    key = objects.SymmetricKey(
        enums.CryptographicAlgorithm.HMAC_SHA256, 256, KNOWN_KEY, name=c.name("hmac-key"), masks=[mask.MAC_GENERATE],
    )
    uid = c.client.register(key)
    c.client.activate(uid)
    got_uid, by_param = c.client.mac(CRYPTO_MESSAGE, uid=uid, algorithm=enums.CryptographicAlgorithm.HMAC_SHA256)
    check(got_uid == uid, "mac answered for {!r}, asked {!r}".format(got_uid, uid))
    _, by_key = c.client.mac(CRYPTO_MESSAGE, uid=uid)
    check(by_key == by_param, "the key's own algorithm and the requested one give different MACs")
    return {"message_hex": CRYPTO_MESSAGE.hex(), "mac_hex": bytes(by_param).hex()}


SCENARIOS = {
    "create": create,
    "register": register,
    "get": get,
    "get_attributes": get_attributes,
    "get_attribute_list": get_attribute_list,
    "locate": locate,
    "activate": activate,
    "revoke": revoke,
    "destroy": destroy,
    "add_attribute": add_attribute_scenario,
    "set_attribute": set_attribute,
    "modify_attribute": modify_attribute,
    "delete_attribute": delete_attribute,
    "sign_verify": sign_verify,
    "encrypt_decrypt": encrypt_decrypt,
    "mac": mac,
}
