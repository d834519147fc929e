"""Pack and unpack ``google.protobuf.Any`` under TensorFlow's type names.

tagraph's messages live in the proto package ``tagraph.tensorflow`` (see ``generate.py``), but a
type URL is read by TensorFlow and TensorFlow Serving, which expect their own names: an
``AssetFileDef`` in an ``any_list`` collection is ``type.googleapis.com/tensorflow.AssetFileDef``,
the metadata of GetModelMetadata is ``type.googleapis.com/tensorflow.serving.SignatureDefMap``.

Example::

    >>> from tagraph.protos import get_model_metadata_pb2
    >>> from tagraph.protos.type_urls import pack_any, unpack_any
    >>> packed = pack_any(get_model_metadata_pb2.SignatureDefMap())
    >>> packed.type_url
    'type.googleapis.com/tensorflow.serving.SignatureDefMap'
    >>> unpack_any(packed, get_model_metadata_pb2.SignatureDefMap())
    True
"""

from __future__ import annotations

from google.protobuf import any_pb2
from google.protobuf.message import Message

TYPE_URL_PREFIX = "type.googleapis.com/"
_OWN_PREFIX = "tagraph."


def tf_full_name(msg: Message) -> str:
    """TensorFlow's full name for ``msg``'s type (``tagraph.tensorflow.X`` -> ``tensorflow.X``).

    Messages outside tagraph's packages (``google.protobuf.*``, TensorFlow's own) keep their name.
    """
    name = msg.DESCRIPTOR.full_name
    return name[len(_OWN_PREFIX):] if name.startswith(_OWN_PREFIX) else name


def type_url(msg: Message, prefix: str = TYPE_URL_PREFIX) -> str:
    """The type URL TensorFlow writes for ``msg``: ``type.googleapis.com/tensorflow....``."""
    return prefix + tf_full_name(msg)


def pack_any(msg: Message, target: any_pb2.Any | None = None, *,
             prefix: str = TYPE_URL_PREFIX, deterministic: bool = True) -> any_pb2.Any:
    """Pack ``msg`` into ``target`` (a new ``Any`` if None) under TensorFlow's type name.

    Returns ``target``.  Serialisation is deterministic by default so that re-exported files are
    reproducible byte for byte.
    """
    if target is None:
        target = any_pb2.Any()
    target.type_url = type_url(msg, prefix)
    target.value = msg.SerializeToString(deterministic=deterministic)
    return target


def any_type_name(packed: any_pb2.Any) -> str:
    """The full type name in ``packed.type_url`` (the part after the last ``/``)."""
    return packed.type_url.rpartition("/")[2]


def unpack_any(packed: any_pb2.Any, msg: Message) -> bool:
    """Parse ``packed`` into ``msg`` if it holds ``msg``'s type; return whether it did.

    Accepts both TensorFlow's name (``tensorflow.X``) and tagraph's (``tagraph.tensorflow.X``), as
    ``Any.Unpack`` does for a single name; on a type mismatch ``msg`` is left untouched.
    """
    name = any_type_name(packed)
    if name not in (msg.DESCRIPTOR.full_name, tf_full_name(msg)):
        return False
    msg.ParseFromString(packed.value)
    return True
