"""The review protocol (review.toml): its model, loader and the template `evimap init` writes."""

from evimap.protocol.load import PROTOCOL_FILE, load_protocol, parse_protocol
from evimap.protocol.model import Criterion, Protocol

__all__ = ["PROTOCOL_FILE", "Criterion", "Protocol", "load_protocol", "parse_protocol"]
